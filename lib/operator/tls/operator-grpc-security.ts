/**
 * Chooses the operator's gRPC transport security from its flags: certificates mounted from files
 * (cert-manager), the operator-managed CA (default), or plaintext when asked for by name.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorConfig } from '../config';
import type { Logger } from '../logger';
import { fileCertificateProvider, GrpcSecurity, INSECURE_PLAINTEXT_GRPC, mutualTls } from './grpc-security';
import { ManagedCertificates } from './managed-certificates';

export interface OperatorGrpcSecurity {
  /** Also the routing API's: HTTPS with the same certificate, or plain HTTP with plaintext gRPC. */
  readonly security: GrpcSecurity;
  /** Stops renewing (managed CA); nothing to stop otherwise. */
  stop(): void;
}

/** Starts what the chosen mode needs; with the managed CA, resolves once every certificate exists. */
export async function startOperatorGrpcSecurity(config: OperatorConfig, deps: { kubeConfig: KubeConfig; log: Logger }): Promise<OperatorGrpcSecurity> {
  if (config.insecurePlaintextGrpc) {
    deps.log.warn('gRPC to data nodes and the routing API are PLAINTEXT and UNAUTHENTICATED (--insecure-plaintext-grpc): development only');
    return { security: INSECURE_PLAINTEXT_GRPC, stop: () => undefined };
  }
  if (config.tlsCertDir !== undefined) {
    deps.log.info({ dir: config.tlsCertDir }, 'gRPC to data nodes uses mutual TLS with the mounted certificate');
    return { security: mutualTls(fileCertificateProvider(config.tlsCertDir)), stop: () => undefined };
  }
  const managed = new ManagedCertificates({
    kubeConfig: deps.kubeConfig,
    namespace: config.namespace,
    caSecret: config.tlsCaSecret,
    dataNodeSecret: config.tlsDataNodeSecret,
    dataNodeDnsNames: commaList(config.tlsDataNodeDnsNames),
    operatorNames: commaList(config.tlsOperatorDnsNames),
    routingClientSecret: config.tlsRoutingClientSecret,
    certValidityMs: config.tlsCertValidity * 1000,
    caValidityMs: config.tlsCaValidity * 1000,
    caPropagationMs: config.tlsCaPropagation * 1000,
    log: deps.log,
  });
  await managed.start();
  deps.log.info({ caSecret: config.tlsCaSecret, dataNodeSecret: config.tlsDataNodeSecret }, 'gRPC to data nodes uses mutual TLS with the operator-managed CA');
  return { security: mutualTls(managed.provider), stop: () => managed.stop() };
}

function commaList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
