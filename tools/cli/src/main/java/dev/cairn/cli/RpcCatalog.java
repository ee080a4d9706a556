package dev.cairn.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.Descriptors;
import com.google.protobuf.util.JsonFormat;

import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;

import dev.cairn.proto.consent.v1.ConsentServiceGrpc;
import dev.cairn.proto.identity.v1.IdentityServiceGrpc;
import dev.cairn.proto.ingest.v1.IngestServiceGrpc;
import dev.cairn.proto.segments.v1.SegmentsServiceGrpc;

/** Every Cairn service and RPC, by the short names ./cairn uses (ingest, identity, consent, segments). */
final class RpcCatalog {

    private final Map<String, Descriptors.ServiceDescriptor> services = new LinkedHashMap<>();
    private final JsonFormat.TypeRegistry types;

    RpcCatalog() {
        add("ingest", IngestServiceGrpc.getServiceDescriptor());
        add("identity", IdentityServiceGrpc.getServiceDescriptor());
        add("consent", ConsentServiceGrpc.getServiceDescriptor());
        add("segments", SegmentsServiceGrpc.getServiceDescriptor());
        JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
        services.values().forEach(s -> s.getMethods().forEach(m -> {
            registry.add(m.getInputType());
            registry.add(m.getOutputType());
        }));
        types = registry.build();
    }

    private void add(String name, ServiceDescriptor descriptor) {
        services.put(name, ((ProtoServiceDescriptorSupplier) descriptor.getSchemaDescriptor()).getServiceDescriptor());
    }

    Map<String, Descriptors.ServiceDescriptor> services() {
        return services;
    }

    Optional<Descriptors.MethodDescriptor> method(String service, String rpc) {
        Descriptors.ServiceDescriptor s = services.get(service);
        if (s == null) {
            return Optional.empty();
        }
        return s.getMethods().stream().filter(m -> m.getName().equalsIgnoreCase(rpc)).findFirst();
    }

    JsonFormat.TypeRegistry types() {
        return types;
    }
}
