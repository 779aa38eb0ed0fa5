{{/* Names and labels shared by the templates. */}}
{{- define "readside.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "readside.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "readside.labels" -}}
{{ include "readside.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "readside.secretName" -}}
{{- if .Values.jwtSecret.existingSecret -}}
{{- .Values.jwtSecret.existingSecret -}}
{{- else -}}
{{- printf "%s-jwt" (include "readside.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* A TOML value: strings quoted, numbers and booleans as they are. */}}
{{- define "readside.tomlValue" -}}
{{- if kindIs "string" . -}}
{{- . | quote -}}
{{- else -}}
{{- . -}}
{{- end -}}
{{- end -}}
