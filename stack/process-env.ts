// The environment a separate worker or API process needs to share a running stack: its PostgreSQL, Temporal,
// S3 storage and simulators (the drills' worker processes, and the tests' own processes).
import { S3Storage } from '../adapters/storage';
import type { Stack } from './stack';

/** The parent's environment (minus NODE_OPTIONS, which would load TypeScript into a compiled start) pointed at `stack`. */
export function stackProcessEnv(stack: Stack, taskQueue = stack.taskQueue): Record<string, string> {
  if (!(stack.storage instanceof S3Storage)) throw new Error('a separate process shares the stack\'s outputs only through S3');
  const s3 = stack.storage.options;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') env[k] = v;
  return {
    ...env,
    PORT: '0',
    // No fixed metrics port: several workers may run at once (scale-out, a stopping one and its successor).
    BOLT_METRICS_PORT: '0',
    DATABASE_URL: stack.postgres.url,
    TEMPORAL_ADDRESS: stack.temporal.address,
    TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    BOLT_DATA_DIR: stack.config.dataDir,
    BOLT_SIMULATOR_URL: stack.simulators!.url,
    ...(s3.endpoint ? { S3_ENDPOINT: s3.endpoint } : {}),
    S3_BUCKET: s3.bucket,
    AWS_REGION: s3.region,
    ...(s3.credentials ? { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey } : {}),
  };
}
