{{/*
Names and labels shared by every template.
*/}}

{{/* The chart name, overridable with nameOverride. */}}
{{- define "sealsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's full name: the release name when it already contains the chart
name ("sealsync" -> "sealsync"), else "<release>-sealsync". Names the
ServiceAccount, the Deployment, the Service (sealctl --controller-name) and
the RBAC objects.
*/}}
{{- define "sealsync.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "sealsync.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "sealsync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sealsync.selectorLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The Deployment's and the Service's selector. A Deployment's selector is
immutable, so this stays what deploy/operator.yaml has always used (name
only; one release per namespace, see values.yaml): never add to it.
*/}}
{{- define "sealsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sealsync.name" . }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "sealsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sealsync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator's image reference. */}}
{{- define "sealsync.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
Rules for what the operator serves in a watched namespace (all namespaces
when watchNamespaces is empty): its namespaced kinds, the Secrets it writes
and the Events it records. "finalizers" update lets it set
blockOwnerDeletion on the Secrets it owns where the
OwnerReferencesPermissionEnforcement admission plugin is on.
*/}}
{{- define "sealsync.watchedRules" -}}
- apiGroups: [sealsync.dev]
  resources: [sealedsecrets, externalsecrets, secretstores]
  verbs: [get, list, watch]
# The ExternalSecrets ClusterExternalSecrets provision (and remove where a
# namespace stops matching; only ones they own).
- apiGroups: [sealsync.dev]
  resources: [externalsecrets]
  verbs: [create, update, patch, delete]
- apiGroups: [sealsync.dev]
  resources: [sealedsecrets/status, externalsecrets/status, secretstores/status]
  verbs: [get, patch, update]
- apiGroups: [sealsync.dev]
  resources: [sealedsecrets/finalizers, externalsecrets/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, patch, update, delete]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch, get]
# Kubernetes auth for Infisical: the ServiceAccount a store names is read for
# its consent (annotation sealsync.dev/vault-login naming the store), then a
# short-lived token for it is requested, for one login.
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get]
- apiGroups: [""]
  resources: [serviceaccounts/token]
  verbs: [create]
# ExternalSecret templateFrom and a store's caProvider: ConfigMaps of the
# object's own namespace, read when rendering (not watched, not listed).
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
{{- if .Values.reload.enabled }}
# Workload reload: rolling restarts of the workloads that opt in.
- apiGroups: [apps]
  resources: [deployments, statefulsets, daemonsets]
  verbs: [get, list, watch, patch]
{{- end }}
{{- end }}
