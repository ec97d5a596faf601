{{- define "nightjar.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "nightjar.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "nightjar.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "nightjar.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "nightjar.secretName" -}}
{{- .Values.secret.existingSecret | default (printf "%s-credentials" (include "nightjar.fullname" .)) -}}
{{- end -}}

{{/*
A scalar as an environment value: lists joined with commas, whole numbers without an exponent
(YAML numbers reach templates as float64, which would print 16777216 as 1.6777216e+07).
*/}}
{{- define "nightjar.envValue" -}}
{{- if kindIs "slice" . -}}
{{- join "," . -}}
{{- else if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* Settings nested as in the configuration file, as NIGHTJAR_* variables (camelCase -> SNAKE_CASE, as src/config does). */}}
{{- define "nightjar.configEnv" -}}
{{- $prefix := .prefix -}}
{{- range $key, $value := .values }}
{{- $name := printf "%s_%s" $prefix (regexReplaceAll "([a-z0-9])([A-Z])" $key "${1}_${2}" | upper) }}
{{- if kindIs "map" $value }}
{{- include "nightjar.configEnv" (dict "prefix" $name "values" $value) }}
{{- else }}
- name: {{ $name }}
  value: {{ include "nightjar.envValue" $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The environment of a role: connection settings, then config (global merged with the role's own). */}}
{{- define "nightjar.env" -}}
{{- $root := .root -}}
- name: NIGHTJAR_KAFKA_BROKERS
  value: {{ required "kafka.brokers is required: the brokers of an existing Kafka cluster (host:port,...)" $root.Values.kafka.brokers | quote }}
- name: NIGHTJAR_CLICKHOUSE_URL
  value: {{ required "clickhouse.url is required: the HTTP endpoint of an existing ClickHouse (http://host:8123)" $root.Values.clickhouse.url | quote }}
- name: NIGHTJAR_CLICKHOUSE_DATABASE
  value: {{ $root.Values.clickhouse.database | quote }}
{{- with $root.Values.schemaRegistry.url }}
- name: NIGHTJAR_SCHEMA_REGISTRY_URL
  value: {{ . | quote }}
{{- end }}
- name: NIGHTJAR_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: NIGHTJAR_API_HOST
  value: "0.0.0.0"
- name: NIGHTJAR_API_PORT
  value: {{ $root.Values.port | quote }}
- name: NIGHTJAR_STATE_DIR
  value: /var/lib/nightjar
{{- $config := mergeOverwrite (deepCopy ($root.Values.config | default dict)) (deepCopy (.spec.config | default dict)) }}
{{- include "nightjar.configEnv" (dict "prefix" "NIGHTJAR" "values" $config) }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
