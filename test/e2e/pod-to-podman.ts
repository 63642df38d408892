/**
 * Runs a container of a synthesized pod template with podman the way a kubelet would: same image,
 * command, args, environment (fieldRefs and $(VAR) expansion), security context (user, read-only
 * root, dropped capabilities, no privilege escalation), emptyDir/volume mounts as tmpfs, and a
 * projected service-account token. So the e2e test checks the image under the exact pod spec the
 * constructs emit, without a kubelet.
 */

export interface EnvVarJson {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly fieldRef?: { readonly fieldPath: string } };
}

export interface SecurityContextJson {
  readonly runAsUser?: number;
  readonly runAsGroup?: number;
  readonly runAsNonRoot?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
}

export interface ContainerJson {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVarJson[];
  readonly securityContext?: SecurityContextJson;
  readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>;
}

export interface PodSpecJson {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  readonly securityContext?: SecurityContextJson;
  readonly volumes?: ReadonlyArray<{ readonly name: string; readonly emptyDir?: { readonly sizeLimit?: string }; readonly secret?: { readonly secretName: string } }>;
  readonly containers: readonly ContainerJson[];
}

/** What the kubelet would supply: the pod's identity and where the API server is. */
export interface PodContext {
  readonly podName: string;
  readonly namespace: string;
  /** Host directory holding token, ca.crt and namespace, mounted where client libraries look. */
  readonly serviceAccountDir?: string;
  readonly apiServerHost: string;
  readonly apiServerPort: number;
  /** Host directories holding the files of each Secret volume, by Secret name (what the kubelet would project). */
  readonly secretDirs?: Readonly<Record<string, string>>;
}

/** Test-only substitutions, e.g. loopback addresses instead of cluster DNS names. */
export interface Overrides {
  readonly image?: string;
  readonly command?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Appended to the container's args (the operator's parser lets a later flag win). */
  readonly extraArgs?: readonly string[];
}

export interface PodmanInvocation {
  readonly flags: string[];
  readonly image: string;
  readonly args: string[];
}

export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export function podmanInvocation(pod: PodSpecJson, containerName: string, ctx: PodContext, overrides: Overrides = {}): PodmanInvocation {
  const container = pod.containers.find((c) => c.name === containerName);
  if (!container) throw new Error(`Unable to run container ${containerName}: the pod has ${pod.containers.map((c) => c.name).join(', ')}.`);
  const flags: string[] = [];

  const sc = { ...pod.securityContext, ...container.securityContext };
  if (sc.privileged) throw new Error(`Unable to run container ${containerName}: privileged containers are not allowed by the restricted profile.`);
  if (sc.runAsUser !== undefined) flags.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`);
  if (sc.readOnlyRootFilesystem) flags.push('--read-only', '--read-only-tmpfs=false');
  if (sc.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  for (const cap of sc.capabilities?.drop ?? []) flags.push('--cap-drop', cap.toLowerCase());
  for (const cap of sc.capabilities?.add ?? []) flags.push('--cap-add', cap.toLowerCase());

  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.secret) {
      const dir = ctx.secretDirs?.[volume.secret.secretName];
      if (!dir) throw new Error(`Unable to run container ${containerName}: Secret volume ${volume.secret.secretName} has no host directory; pass it in PodContext.secretDirs.`);
      flags.push('--volume', `${dir}:${mount.mountPath}:ro`);
      continue;
    }
    const size = volume?.emptyDir?.sizeLimit ? `,size=${volume.emptyDir.sizeLimit.replace(/i$/, '').toLowerCase()}` : '';
    // emptyDir and volume claims alike: writable scratch space owned by the pod's user.
    flags.push('--tmpfs', `${mount.mountPath}:rw,mode=1777${size}`);
  }

  if (pod.automountServiceAccountToken !== false && ctx.serviceAccountDir) {
    flags.push('--volume', `${ctx.serviceAccountDir}:${SERVICE_ACCOUNT_MOUNT}:ro`);
    flags.push('--env', `KUBERNETES_SERVICE_HOST=${ctx.apiServerHost}`, '--env', `KUBERNETES_SERVICE_PORT=${ctx.apiServerPort}`);
  }
  for (const [name, value] of Object.entries(resolveEnv(container.env ?? [], ctx, overrides.env ?? {}))) flags.push('--env', `${name}=${value}`);

  const command = overrides.command ?? container.command;
  if (command) flags.push('--entrypoint', JSON.stringify(command));
  return { flags, image: overrides.image ?? container.image, args: [...(container.args ?? []), ...(overrides.extraArgs ?? [])] };
}

/** Kubernetes semantics: fieldRefs from the pod, $(NAME) expands variables defined earlier in the list. */
export function resolveEnv(env: readonly EnvVarJson[], ctx: PodContext, overrides: Readonly<Record<string, string>>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const e of env) {
    if (e.valueFrom?.fieldRef) {
      const path = e.valueFrom.fieldRef.fieldPath;
      // A podman container runs on no Kubernetes Node: spec.nodeName is empty, as for a pod not yet scheduled.
      const fields: Record<string, string> = { 'metadata.name': ctx.podName, 'metadata.namespace': ctx.namespace, 'spec.nodeName': '' };
      if (!(path in fields)) throw new Error(`Unable to resolve env ${e.name}: fieldRef ${path} is not supported by the e2e runner (supported: ${Object.keys(fields).join(', ')}).`);
      resolved[e.name] = fields[path];
    } else {
      resolved[e.name] = (e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => resolved[name] ?? whole);
    }
  }
  return { ...resolved, ...overrides };
}
