// The workflow bundle's entry: every workflow type the workers register.
export { batchWorkflow } from './batch';
export { jobWorkflow } from './job';
export { masterScriptWorkflow } from './master';
export { voicePreviewWorkflow } from './voice-preview';
export { keyTestWorkflow } from './key-test';
export { batchWebhookWorkflow } from './webhook';
