/**
 * Pulumi's own mock monitor (pulumi.runtime.setMocks), which records every resource registration.
 * setMocks must run before the component module is loaded, so tests import this first.
 */
import * as pulumi from '@pulumi/pulumi';

export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly provider?: string;
}

export const registrations: Registration[] = [];

/** Starts a fresh program run: no registrations, and a new engine connection (so no cluster declared yet). */
export function resetRegistrations(): void {
  registrations.length = 0;
  startRun();
}

function startRun(): void {
  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    'quidditch',
    'unit',
    false,
  );
}
startRun();

/** Resolves an Output's value (mocks resolve every value, also during "preview"). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

/** Waits until every registration so far has reached the mock monitor. */
export async function settled(resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((r) => valueOf(r.urn)));
}

/** Registered Kubernetes objects, rebuilt as manifests (CustomResource inputs hold every field). */
export function registeredObjects(): Record<string, unknown>[] {
  return registrations.filter((r) => r.type.startsWith('kubernetes:') && r.type !== 'pulumi:providers:kubernetes').map((r) => r.inputs);
}
