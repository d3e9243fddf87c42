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

{{/*
Name of one service's headless Service, which the other services call: its DNS name answers with
every ready pod's IP, so callers balance over them. 63 characters at most, like every Service.
*/}}
{{- define "attain.headlessName" -}}
{{- printf "%s-headless" (include "attain.serviceName" . | trunc 54 | trimSuffix "-") -}}
{{- end -}}

{{/* The services of this release that call `service` (the inverse of attain.calls). */}}
{{- define "attain.callers" -}}
{{- $callers := list -}}
{{- range $caller, $calls := include "attain.calls" .root | fromYaml -}}
{{- range $calls -}}
{{- if and (eq .service $.service) (get $.root.Values.services $caller).enabled -}}
{{- $callers = append $callers $caller -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $callers -}}
{{- end -}}

{{/*
Spread of one service's pods when neither the service nor the chart sets its own: zones with
ScheduleAnyway (a node without a zone label would otherwise take no pod), nodes with
DoNotSchedule (two replicas on one node would both go with it). See values.yaml.
*/}}
{{- define "attain.topologySpread" -}}
{{- $svc := get .root.Values.services .service -}}
{{- if $svc.topologySpreadConstraints -}}
{{- toYaml $svc.topologySpreadConstraints -}}
{{- else if .root.Values.topologySpreadConstraints -}}
{{- toYaml .root.Values.topologySpreadConstraints -}}
{{- else -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "attain.selectorLabels" . | nindent 6 }}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: DoNotSchedule
  labelSelector:
    matchLabels:
      {{- include "attain.selectorLabels" . | nindent 6 }}
{{- end -}}
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
A duration value as the binary reads it ("500ms", "10s", "1m30s", "1h", or a number of
seconds) in milliseconds.
*/}}
{{- define "attain.millis" -}}
{{- $v := toString . -}}
{{- if regexMatch "^[0-9]+$" $v -}}{{ mul ($v | int64) 1000 }}
{{- else -}}
{{- $total := 0 -}}
{{- range regexFindAll "[0-9]+(ms|s|m|h)" $v -1 -}}
{{- $n := regexFind "^[0-9]+" . | int64 -}}
{{- $unit := trimPrefix (toString $n) . -}}
{{- $total = add $total (mul $n (get (dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000) $unit)) -}}
{{- end -}}
{{- $total -}}
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
{{- if ge (include "attain.millis" $svc.webhooks.timeout | int64) (include "attain.millis" $svc.webhooks.lease | int64) }}
{{- fail (printf "services.%s.webhooks.lease (%v) must exceed webhooks.timeout (%v): the binary refuses to start otherwise" $name $svc.webhooks.lease $svc.webhooks.timeout) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- $drain := add (include "attain.millis" .Values.drainDelay | int64) (include "attain.millis" .Values.shutdownGrace | int64) }}
{{- if le (mul (int64 .Values.terminationGracePeriodSeconds) 1000) $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must exceed drainDelay (%v) + shutdownGrace (%v), or the kubelet kills calls the drain still allows" .Values.terminationGracePeriodSeconds .Values.drainDelay .Values.shutdownGrace) }}
{{- end }}
{{- $sc := .Values.securityContext | default dict }}
{{- if or $sc.privileged $sc.allowPrivilegeEscalation (eq (toString $sc.runAsNonRoot) "false") }}
{{- fail "securityContext: privileged, allowPrivilegeEscalation and runAsNonRoot=false are refused: Attain needs none of them" }}
{{- end }}
{{- end -}}
