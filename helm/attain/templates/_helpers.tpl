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

{{/*
A duration value ("10s", "2m", "1h", or a number of seconds) in seconds.
*/}}
{{- define "attain.seconds" -}}
{{- $v := toString . -}}
{{- if hasSuffix "ms" $v -}}0
{{- else if hasSuffix "s" $v -}}{{ trimSuffix "s" $v | int }}
{{- else if hasSuffix "m" $v -}}{{ mul (trimSuffix "m" $v | int) 60 }}
{{- else if hasSuffix "h" $v -}}{{ mul (trimSuffix "h" $v | int) 3600 }}
{{- else -}}{{ $v | int }}
{{- end -}}
{{- end -}}

{{/*
Values the schema cannot judge alone, because they compare two settings: each fails the render
with the setting to change, rather than installing something that cannot work.
*/}}
{{- define "attain.validate" -}}
{{- range $name, $svc := .Values.services }}
{{- if $svc.enabled }}
{{- if eq (int $svc.grpcPort) (int $svc.adminPort) }}
{{- fail (printf "services.%s.adminPort (%v) must differ from grpcPort" $name $svc.adminPort) }}
{{- end }}
{{- $floor := int $svc.replicas }}
{{- if and $svc.autoscaling $svc.autoscaling.enabled }}
{{- if gt (int $svc.autoscaling.minReplicas) (int $svc.autoscaling.maxReplicas) }}
{{- fail (printf "services.%s.autoscaling.minReplicas (%v) is above maxReplicas (%v)" $name $svc.autoscaling.minReplicas $svc.autoscaling.maxReplicas) }}
{{- end }}
{{- $floor = int $svc.autoscaling.minReplicas }}
{{- end }}
{{- if and $svc.pdb (ne (toString $svc.pdb.minAvailable) "<nil>") (not (kindIs "string" $svc.pdb.minAvailable)) (not $svc.pdb.maxUnavailable) }}
{{- if ge (int $svc.pdb.minAvailable) $floor }}
{{- fail (printf "services.%s.pdb.minAvailable (%v) must be below the replicas (%v), or no pod could ever be evicted (a node drain would hang)" $name $svc.pdb.minAvailable $floor) }}
{{- end }}
{{- end }}
{{- if $svc.webhooks }}
{{- if ge (include "attain.seconds" $svc.webhooks.timeout | int) (include "attain.seconds" $svc.webhooks.lease | int) }}
{{- fail (printf "services.%s.webhooks.lease (%v) must exceed webhooks.timeout (%v): the binary refuses to start otherwise" $name $svc.webhooks.lease $svc.webhooks.timeout) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- $sc := .Values.securityContext | default dict }}
{{- if or $sc.privileged $sc.allowPrivilegeEscalation (eq (toString $sc.runAsNonRoot) "false") }}
{{- fail "securityContext: privileged, allowPrivilegeEscalation and runAsNonRoot=false are refused: Attain needs none of them" }}
{{- end }}
{{- end -}}
