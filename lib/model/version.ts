/**
 * The package version and the default images built from it. Images are tagged with the package
 * version so one `npm install` pins the operator, data node and master that were tested together.
 */
import { version } from '../../package.json';

export const PACKAGE_VERSION: string = version;

export const IMAGE_REGISTRY = 'ghcr.io/quidditch';

export const DEFAULT_IMAGES = {
  operator: `${IMAGE_REGISTRY}/quidditch-operator:${PACKAGE_VERSION}`,
  dataNode: `${IMAGE_REGISTRY}/quidditch-datanode:${PACKAGE_VERSION}`,
  master: `${IMAGE_REGISTRY}/quidditch-master:${PACKAGE_VERSION}`,
} as const;
