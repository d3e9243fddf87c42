{{/* Names, labels and the facts about the services that are properties of the binary, not settings. */}}

{{- define "attain.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "attain.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one service's objects; call with (dict "root" $ "service" "metrics"). */}}
{{- define "attain.serviceName" -}}
{{- printf "%s-%s" (include "attain.fullname" .root | trunc 52 | trimSuffix "-") .service -}}
{{- end -}}

{{- define "attain.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "attain.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one service's pods; call with (dict "root" $ "service" "metrics"). */}}
{{- define "attain.selectorLabels" -}}
app.kubernetes.io/name: {{ include "attain.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "attain.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "attain.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "attain.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Which services each service calls, and the variable that tells it where. This follows the code
(services.rs Peers), so it is not a value: scorecard asks metrics for totals; metrics, coaching
and hiring ask scorecard (org directory, credentials), and so does the scorecard code itself,
which reads the org directory over gRPC like every other service (any scorecard replica).
*/}}
{{- define "attain.calls" -}}
metrics: [{service: scorecard, env: ATTAIN_ORG_URL}]
scorecard: [{service: metrics, env: ATTAIN_METRICS_URL}, {service: scorecard, env: ATTAIN_ORG_URL}]
coaching: [{service: scorecard, env: ATTAIN_ORG_URL}]
hiring: [{service: scorecard, env: ATTAIN_ORG_URL}]
{{- end -}}

{{/* The gRPC service a probe asks about: it turns NOT_SERVING while the pod drains. */}}
{{- define "attain.healthService" -}}
{{- $names := dict "metrics" "attain.metrics.v1.MetricsService" "scorecard" "attain.org.v1.OrgService" "coaching" "attain.coaching.v1.CoachingService" "hiring" "attain.hiring.v1.HiringService" -}}
{{- get $names . -}}
{{- end -}}

{{/* Pod security context and container security context, shared by services and the Job. */}}
{{- define "attain.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}
{{- define "attain.securityContext" -}}
{{- toYaml .Values.securityContext -}}
{{- end -}}
