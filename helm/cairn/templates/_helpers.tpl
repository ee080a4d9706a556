{{/* Names, labels and the per-service view of the values. */}}

{{- define "cairn.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one service's objects: <fullname>-<service>. Call with (dict "root" $ "name" $name). */}}
{{- define "cairn.serviceName" -}}
{{- printf "%s-%s" (include "cairn.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; per-service objects add cairn.selectorLabels, release-wide ones the instance. */}}
{{- define "cairn.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: cairn
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "cairn.labels" -}}
{{ include "cairn.commonLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: cairn-{{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* A service's settings: serviceDefaults overlaid with services.<name>, as YAML (use with fromYaml). */}}
{{- define "cairn.serviceValues" -}}
{{- $defaults := deepCopy .root.Values.serviceDefaults -}}
{{- $own := deepCopy (index .root.Values.services .name) -}}
{{- toYaml (mergeOverwrite $defaults $own) -}}
{{- end -}}

{{- define "cairn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cairn.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The JVM image Quarkus' Jib build pushes for a service: <registry>/<group>/cairn-<name>:<tag>. */}}
{{- define "cairn.image" -}}
{{- $img := .root.Values.image -}}
{{- $svc := index .root.Values.services .name -}}
{{- $repo := printf "%s/%s/cairn-%s" $img.registry $img.group .name -}}
{{- if and $svc.image $svc.image.repository -}}{{- $repo = $svc.image.repository -}}{{- end -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/*
What each service talks to, from its application.properties (deploy-checks' ServiceWiringTest fails when
this and the services' configuration disagree).
*/}}
{{- define "cairn.usesRedis" -}}{{- has .name (list "ingest" "identity" "segments") -}}{{- end -}}
{{- define "cairn.usesPostgres" -}}{{- has .name (list "identity" "consent") -}}{{- end -}}
{{- define "cairn.usesStreams" -}}{{- eq .name "segments" -}}{{- end -}}

{{/* JDBC and reactive URLs of one service's database. */}}
{{- define "cairn.pgQuery" -}}
{{- if .root.Values.postgresql.sslMode -}}?sslmode={{ .root.Values.postgresql.sslMode }}{{- end -}}
{{- end -}}
{{- define "cairn.pgReactiveUrl" -}}
{{- $db := index .root.Values.postgresql .name -}}
postgresql://{{ .root.Values.postgresql.host }}:{{ .root.Values.postgresql.port }}/{{ $db.database }}{{ include "cairn.pgQuery" . }}
{{- end -}}
{{- define "cairn.pgJdbcUrl" -}}
{{- $db := index .root.Values.postgresql .name -}}
jdbc:postgresql://{{ .root.Values.postgresql.host }}:{{ .root.Values.postgresql.port }}/{{ $db.database }}{{ include "cairn.pgQuery" . }}
{{- end -}}

{{/* Contract files as ConfigMap keys: a key cannot hold '/', so "tracking-plan/events/x.json" is "tracking-plan__events__x.json". */}}
{{- define "cairn.contractKey" -}}
{{- trimPrefix "contracts/" . | replace "/" "__" -}}
{{- end -}}

{{/* Every contract file shipped with the chart (contracts/ links to the repository's reviewed tree). */}}
{{- define "cairn.contractFiles" -}}
{{- $files := list -}}
{{- range $path, $_ := .Files.Glob "contracts/**.yaml" }}{{ $files = append $files $path }}{{ end -}}
{{- range $path, $_ := .Files.Glob "contracts/**.json" }}{{ $files = append $files $path }}{{ end -}}
{{- toYaml (sortAlpha $files) -}}
{{- end -}}

{{/* Retention of a catalogue entry in ms: "7d", "12h", "30m", "45s" or "forever" (-1), as TopicCatalog reads it. */}}
{{- define "cairn.retentionMs" -}}
{{- if eq . "forever" -}}-1
{{- else -}}
{{- $n := regexFind "^[0-9]+" . | int64 -}}
{{- $unit := regexFind "[smhd]$" . -}}
{{- $factor := dict "s" 1000 "m" 60000 "h" 3600000 "d" 86400000 -}}
{{- mul $n (index $factor $unit) -}}
{{- end -}}
{{- end -}}

{{/*
Kafka security: what every client (the services' clients and channels, segments' Kafka Streams, the topic Job)
is given. deploy-checks' ChartKafkaSecurityTest renders these for each protocol.
*/}}
{{- define "cairn.kafkaSasl" -}}{{- has .Values.kafka.security.protocol (list "SASL_PLAINTEXT" "SASL_SSL") -}}{{- end -}}
{{- define "cairn.kafkaTruststore" -}}
{{- if has .Values.kafka.security.protocol (list "SSL" "SASL_SSL") -}}{{- .Values.kafka.security.tls.truststore.enabled -}}{{- else -}}false{{- end -}}
{{- end -}}
{{- define "cairn.kafkaTruststoreDir" -}}/etc/cairn/kafka-tls{{- end -}}
{{- define "cairn.kafkaTruststoreFile" -}}
{{- $type := .Values.kafka.security.tls.truststore.type -}}
{{- include "cairn.kafkaTruststoreDir" . }}/{{ get (dict "PEM" "ca.pem" "PKCS12" "truststore.p12" "JKS" "truststore.jks") $type -}}
{{- end -}}
{{- define "cairn.kafkaLoginModule" -}}
{{- if hasPrefix "SCRAM-" .Values.kafka.security.sasl.mechanism -}}
org.apache.kafka.common.security.scram.ScramLoginModule
{{- else -}}
org.apache.kafka.common.security.plain.PlainLoginModule
{{- end -}}
{{- end -}}

{{/*
Refuses what the schema cannot see: a principal missing for an enabled service, or two of them sharing one
(each service connects as its own principal, so that ACLs can keep them apart).
*/}}
{{- define "cairn.kafkaValidate" -}}
{{- if eq (include "cairn.kafkaSasl" .) "true" -}}
{{- $principals := list -}}
{{- range $name, $svc := .Values.services }}{{ if $svc.enabled }}{{ $principals = append $principals $name }}{{ end }}{{ end -}}
{{- if .Values.kafka.topics.create }}{{ $principals = append $principals "topics" }}{{ end -}}
{{- $seen := dict -}}
{{- range $p := $principals -}}
{{- $c := index $.Values.kafka.security.sasl.credentials $p | default dict -}}
{{- if not $c.name -}}
{{- fail (printf "kafka.security.sasl.credentials.%s is required: each service and the topic Job connect as their own principal" $p) -}}
{{- end -}}
{{- $id := printf "%s/%s" $c.name $c.usernameKey -}}
{{- if hasKey $seen $id -}}
{{- fail (printf "kafka.security.sasl.credentials: %s and %s share the principal in %s; each needs its own so that ACLs can keep them apart" (get $seen $id) $p $id) -}}
{{- end -}}
{{- $_ := set $seen $id $p -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A principal's SASL username and password from its Secret, for the JAAS line to reference. Named CAIRN_*, not
KAFKA_*: Quarkus passes every KAFKA_* variable to the Kafka clients as a client property.
Call with (dict "root" $ "principal" <service name or "topics">).
*/}}
{{- define "cairn.kafkaCredentialEnv" -}}
{{- $c := index .root.Values.kafka.security.sasl.credentials .principal | default dict -}}
- name: CAIRN_KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $c.name }}
      key: {{ $c.usernameKey }}
- name: CAIRN_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $c.name }}
      key: {{ $c.passwordKey }}
{{- end -}}

{{/*
A Kafka client's security settings as environment variables: prefix KAFKA_ for the Quarkus Kafka configuration
(kafka.*, the default-kafka-broker map every client and channel starts from), QUARKUS_KAFKA_STREAMS_ for
quarkus.kafka-streams.*. The JAAS line names the credentials through Kubernetes' $(VAR) expansion of the
variables of cairn.kafkaCredentialEnv, listed before it, so no credential is in the manifest.
Call with (dict "root" $ "prefix" "KAFKA_").
*/}}
{{- define "cairn.kafkaClientEnv" -}}
{{- $s := .root.Values.kafka.security -}}
- name: {{ .prefix }}SECURITY_PROTOCOL
  value: {{ $s.protocol | quote }}
{{- if eq (include "cairn.kafkaSasl" .root) "true" }}
- name: {{ .prefix }}SASL_MECHANISM
  value: {{ $s.sasl.mechanism | quote }}
- name: {{ .prefix }}SASL_JAAS_CONFIG
  value: {{ printf "%s required username=\"$(CAIRN_KAFKA_SASL_USERNAME)\" password=\"$(CAIRN_KAFKA_SASL_PASSWORD)\";" (include "cairn.kafkaLoginModule" .root) | quote }}
{{- end }}
{{- if eq (include "cairn.kafkaTruststore" .root) "true" }}
- name: {{ .prefix }}SSL_TRUSTSTORE_TYPE
  value: {{ $s.tls.truststore.type | quote }}
- name: {{ .prefix }}SSL_TRUSTSTORE_LOCATION
  value: {{ include "cairn.kafkaTruststoreFile" .root | quote }}
{{- if ne $s.tls.truststore.type "PEM" }}
- name: {{ .prefix }}SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $s.tls.truststore.passwordSecret.name }}
      key: {{ $s.tls.truststore.passwordSecret.key }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The trust store's volume and mount (only when cairn.kafkaTruststore). */}}
{{- define "cairn.kafkaTruststoreMount" -}}
- name: kafka-truststore
  mountPath: {{ include "cairn.kafkaTruststoreDir" . }}
  readOnly: true
{{- end -}}
{{- define "cairn.kafkaTruststoreVolume" -}}
{{- $t := .Values.kafka.security.tls.truststore -}}
- name: kafka-truststore
  {{- if $t.secret }}
  secret:
    secretName: {{ $t.secret }}
    items:
      - key: {{ $t.key }}
        path: {{ base (include "cairn.kafkaTruststoreFile" .) }}
  {{- else }}
  configMap:
    name: {{ $t.configMap }}
    items:
      - key: {{ $t.key }}
        path: {{ base (include "cairn.kafkaTruststoreFile" .) }}
  {{- end }}
{{- end -}}

{{/* Delivery (Kafka Connect through Strimzi): the KafkaConnect's name; Strimzi names the workers <name>-connect
and their REST Service <name>-connect-api. */}}
{{- define "cairn.connectName" -}}{{ include "cairn.fullname" . }}{{- end -}}
{{- define "cairn.connectWorkerLabels" -}}
strimzi.io/cluster: {{ include "cairn.connectName" . }}
strimzi.io/kind: KafkaConnect
strimzi.io/name: {{ include "cairn.connectName" . }}-connect
{{- end -}}
{{- define "cairn.connectUrl" -}}
http://{{ include "cairn.connectName" . }}-connect-api.{{ .Release.Namespace }}.svc:8083
{{- end -}}
{{- define "cairn.deliveryApplyLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: delivery-apply
{{- end -}}
{{/* The delivered destinations of contracts/ingest/destinations.yaml (those with a delivery block), as a YAML list
of {destination, topic, connection, deadLetterTopic}: the data DeliveryPlan reads, for the topic Job and checks. */}}
{{- define "cairn.deliveries" -}}
{{- $out := list -}}
{{- range (.Files.Get "contracts/ingest/destinations.yaml" | fromYaml).destinations -}}
{{- if .delivery -}}
{{- $out = append $out (dict "destination" .name "topic" .topic "connection" .delivery.target.connection "deadLetterTopic" (index .delivery "dead-letter-topic")) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
{{/* Refuses delivery values that would render a Connect cluster that cannot work. */}}
{{- define "cairn.deliveryValidate" -}}
{{- $c := .Values.delivery.connect -}}
{{- if not $c.build.outputImage -}}
{{- fail "delivery.connect.build.outputImage is required: Strimzi pushes the Connect image with the plugins there, and the apply Job runs in it" -}}
{{- end -}}
{{- range (include "cairn.deliveries" . | fromYamlArray) -}}
{{- if not (hasKey $c.connections .connection) -}}
{{- fail (printf "delivery.connect.connections.%s is required: destination %s delivers to connection %s (contracts/ingest/destinations.yaml)" .connection .destination .connection) -}}
{{- end -}}
{{- end -}}
{{- $tls := .Values.kafka.security.tls.truststore -}}
{{- if and (eq (include "cairn.kafkaTruststore" .) "true") (or (ne $tls.type "PEM") (not $tls.secret)) -}}
{{- fail "delivery: Strimzi's KafkaConnect trusts PEM certificates from a Secret only: set kafka.security.tls.truststore.type=PEM and .secret" -}}
{{- end -}}
{{- if and (eq (include "cairn.kafkaSasl" .) "true") (not .Values.kafka.security.sasl.mechanism) -}}
{{- fail "delivery: kafka.security.sasl.mechanism is required" -}}
{{- end -}}
{{- end -}}
