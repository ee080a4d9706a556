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
