{{- define "nightjar.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "nightjar.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "nightjar.env" -}}
- name: NIGHTJAR_KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: NIGHTJAR_CLICKHOUSE_URL
  value: {{ .Values.clickhouse.url | quote }}
- name: NIGHTJAR_CLICKHOUSE_DATABASE
  value: {{ .Values.clickhouse.database | quote }}
- name: NIGHTJAR_SCHEMA_REGISTRY_URL
  value: {{ .Values.schemaRegistry.url | quote }}
- name: NIGHTJAR_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: NIGHTJAR_API_HOST
  value: "0.0.0.0"
{{- range $name, $value := .Values.extraEnv }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
