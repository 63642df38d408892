/** templates/NOTES.txt: printed by `helm install/upgrade/status`: where the routing API is and how to check the control plane. */
import { OPERATOR_PORTS } from '../../lib/cdk8s/operator';
import { ROUTING_CLIENT_LABEL } from '../../lib/model/security';
import { MASTER_PORTS } from '../../lib/model/master-env';

export function notesTxt(): string {
  const n = '{{ include "quidditch.name" . }}';
  const ns = '{{ .Release.Namespace }}';
  return `Quidditch {{ .Chart.AppVersion }} is installed as "${n}" in namespace ${ns} (control plane: {{ include "quidditch.mode" . }}).
The CRDs (crds/) stay when the release is uninstalled, and so do the indices.
{{- if eq (include "quidditch.mode" .) "k8s" }}

Check the operator ({{ .Values.controlPlane.k8s.operator.replicas }} replicas, one leads through a Lease):
  kubectl -n ${ns} rollout status deployment/${n}-operator
  kubectl -n ${ns} get lease ${n}-operator -o jsonpath='{.spec.holderIdentity}{"\\n"}'
  kubectl -n ${ns} logs deployment/${n}-operator
  kubectl -n ${ns} get quidditchnodes,quidditchindices

Reach the routing API (every replica serves it, port ${OPERATOR_PORTS.http}):
{{- if .Values.security.insecurePlaintextGrpc }}
  from a pod in ${ns}: http://${n}-operator.${ns}.svc:${OPERATOR_PORTS.http}/v1/namespaces/${ns}/indices/<index>/routing
  (PLAINTEXT and UNAUTHENTICATED: security.insecurePlaintextGrpc is set, development only)
{{- else }}
  from a pod in ${ns}: https://${n}-operator.${ns}.svc:${OPERATOR_PORTS.http}/v1/namespaces/${ns}/indices/<index>/routing
  with the client certificate of Secret ${n}-routing-client-tls (mount it; tls.crt, tls.key, ca.crt):
    curl --cacert ca.crt --cert tls.crt --key tls.key https://${n}-operator.${ns}.svc:${OPERATOR_PORTS.http}/...
{{- end }}
{{- if .Values.security.networkPolicies.enabled }}
  (NetworkPolicies are on: the calling pod needs the label ${ROUTING_CLIENT_LABEL}: "true")
{{- end }}
  from your machine:
    kubectl -n ${ns} port-forward service/${n}-operator ${OPERATOR_PORTS.http}:${OPERATOR_PORTS.http}
    curl -k {{ if .Values.security.insecurePlaintextGrpc }}http{{ else }}https{{ end }}://localhost:${OPERATOR_PORTS.http}/readyz
{{- else }}

Check the Raft masters ({{ .Values.controlPlane.raft.replicas }}, a majority must be up):
  kubectl -n ${ns} rollout status statefulset/${n}-master
  kubectl -n ${ns} port-forward pod/${n}-master-0 ${MASTER_PORTS.http}:${MASTER_PORTS.http}
  curl http://localhost:${MASTER_PORTS.http}/readyz
{{- end }}

Data nodes: kubectl -n ${ns} rollout status statefulset/${n}-data
`;
}
