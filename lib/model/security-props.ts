/**
 * Props of the objects that limit who may do what inside the cluster's namespace: the admission
 * policy that binds a data node to its own QuidditchNode, and the NetworkPolicies that limit who
 * reaches each port. Every default is documented here and applied in security.ts.
 */

/**
 * Pods allowed to reach a port: the pods matching `podLabels` in the namespaces matching
 * `namespaceLabels` (both must match, as in one NetworkPolicy peer).
 */
export interface PeerProps {
  /**
   * Labels of the namespaces the pods may run in. `{}` means every namespace; a namespace by name
   * is `{ "kubernetes.io/metadata.name": "<name>" }` (the API server sets that label).
   * @default only the cluster's own namespace
   */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** Labels of the pods. @default every pod of those namespaces */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** Where the Kubernetes API server listens, for the operator's egress rule. */
export interface ApiServerProps {
  /**
   * Address ranges of the API server endpoints. NetworkPolicies cannot select the API server by
   * label (it is not a pod), so they name its addresses; narrow this to your control plane's.
   * @default ["0.0.0.0/0", "::/0"] (any address, on the ports below only)
   */
  readonly cidrs?: readonly string[];
  /**
   * TCP ports of the API server. Both: the `kubernetes` Service listens on 443, its endpoints
   * usually on 6443, and CNIs differ in which of the two a policy sees (before or after DNAT).
   * @default [443, 6443]
   */
  readonly ports?: readonly number[];
}

/** The NetworkPolicies of every component: who reaches which port, and where the control plane may connect. */
export interface NetworkPolicyProps {
  /**
   * Emit NetworkPolicies. Turn off on clusters whose network plugin does not enforce them (there
   * they would only look like protection).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Who may call the routing API: the operator's 8080 (k8s mode) or the masters' 9200 (raft mode).
   * The cluster's own data nodes (and masters) always may. Grant a coordinating node by giving its
   * pods this label.
   * @default pods in the cluster's namespace labelled `quidditch.io/routing-client: "true"`
   */
  readonly routingClients?: PeerProps;
  /**
   * Who may scrape the operator's metrics (9090).
   * @default every pod in the namespace named `monitoring`
   */
  readonly metricsScrapers?: PeerProps;
  /**
   * Limit the egress of the operator (k8s mode) or the masters (raft mode) to what they dial:
   * the API server (operator), the masters (raft), the data nodes and DNS. Only network plugins
   * that enforce egress rules apply it.
   * @default true
   */
  readonly restrictEgress?: boolean;
  /** @default { cidrs: ["0.0.0.0/0", "::/0"], ports: [443, 6443] } */
  readonly apiServer?: ApiServerProps;
}

/** A cert-manager issuer, as a Certificate's `spec.issuerRef` names it. */
export interface IssuerRefProps {
  /** Name of the Issuer or ClusterIssuer. */
  readonly name: string;
  /** @default "Issuer" (in the cluster's namespace) */
  readonly kind?: 'Issuer' | 'ClusterIssuer';
  /** @default "cert-manager.io" */
  readonly group?: string;
}

/** Certificates for the data-node gRPC API from cert-manager instead of the operator's own CA. */
export interface CertManagerProps {
  /**
   * The issuer of the operator's and the data nodes' certificates. It must write `ca.crt` into the
   * Secrets (CA, self-signed and Vault issuers do), since each side trusts exactly that CA.
   * @default the constructs emit a self-signed Issuer, a CA Certificate and a CA Issuer from it
   */
  readonly issuerRef?: IssuerRefProps;
}

/** What limits who may do what inside the cluster's namespace: the node admission policy and the NetworkPolicies. */
export interface SecurityProps {
  /**
   * k8s mode: emit the ValidatingAdmissionPolicy (and its binding) that lets a data node write only
   * the QuidditchNode named after its own pod, with its own address. Needs Kubernetes 1.30 or
   * later (admissionregistration.k8s.io/v1); turn it off only on older clusters, which then
   * cannot stop one data node from rewriting another's QuidditchNode.
   * @default true
   */
  readonly nodeAdmissionPolicy?: boolean;
  /** @default NetworkPolicies on, with the defaults of each field */
  readonly networkPolicies?: NetworkPolicyProps;
  /**
   * DEVELOPMENT ONLY. Shard RPCs (gRPC 9303) in plaintext: anyone who reaches the port may create,
   * delete or read any shard copy, and every byte crosses the network readable. The default is
   * mutual TLS between the operator and the data nodes.
   * @default false
   */
  readonly insecurePlaintextGrpc?: boolean;
  /**
   * Take the gRPC certificates from cert-manager (Certificates emitted by the constructs).
   * @default unset: the operator manages its own CA in the Secret `<name>-ca` and renews certificates itself
   */
  readonly certManager?: CertManagerProps;
  /**
   * Lifetime of each gRPC certificate, operator-managed or cert-manager; each is renewed after two
   * thirds of it.
   * @default 7776000 (90 days)
   */
  readonly certificateValiditySeconds?: number;
}
