package dev.cairn.cli;

import java.util.Iterator;
import java.util.TreeSet;

import com.google.protobuf.Descriptors;

/** Shell completion candidates: the services ./cairn call knows, and every RPC of them. */
final class RpcNames {

    private RpcNames() {
    }

    static final class Services implements Iterable<String> {

        @Override
        public Iterator<String> iterator() {
            return new RpcCatalog().services().keySet().iterator();
        }
    }

    /** Every service's RPCs in one list: completion does not know which service the word before named. */
    static final class Rpcs implements Iterable<String> {

        @Override
        public Iterator<String> iterator() {
            TreeSet<String> names = new TreeSet<>();
            for (Descriptors.ServiceDescriptor service : new RpcCatalog().services().values()) {
                service.getMethods().forEach(m -> names.add(m.getName()));
            }
            return names.iterator();
        }
    }
}
