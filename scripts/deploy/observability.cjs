/**
 * Local Serverless plugin (serverless.yml `plugins:`): adds each function's alarms (errors that are
 * not deliberate refusals, throttles, and p99 duration for the triggers Cognito waits for) and the
 * stage's dashboard to the packaged template (scripts/deploy/observability.ts), from the functions
 * of serverless.yml and its `custom.observability` block. The stage-wide alarms, the on-failure
 * queue and the alarm topic are written out in serverless.yml's resources.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

class GatehouseObservability {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.addObservability() };
  }

  addObservability() {
    const { observabilityResources } = tsxRequire('./observability.ts', __filename);
    const service = this.serverless.service;
    const provider = this.serverless.getProvider('aws');
    const settings = service.custom?.observability ?? {};
    const template = service.provider.compiledCloudFormationTemplate;
    // serverless.yml's own resources are merged into the template after this hook: read them there.
    const stageAlarms = Object.entries(service.resources?.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => id);
    let fragment;
    try {
      fragment = observabilityResources({
        stage: provider.getStage(),
        namespace: service.provider.environment.POWERTOOLS_METRICS_NAMESPACE,
        service: service.provider.environment.POWERTOOLS_SERVICE_NAME,
        functions: service.getAllFunctions().map((key) => ({
          key,
          logicalId: provider.naming.getLambdaLogicalId(key),
        })),
        synchronousTriggers: settings.synchronousTriggers ?? [],
        durationThresholdMs: Number(settings.durationThresholdMs),
        alarmTopic: settings.alarmTopic,
        stageAlarms,
        failureQueue: 'SenderFailureQueue',
        httpApi: provider.naming.getHttpApiLogicalId(),
      });
    } catch (error) {
      throw new this.serverless.classes.Error(error.message);
    }
    Object.assign(template.Resources, fragment.Resources);
    template.Outputs = { ...(template.Outputs ?? {}), ...fragment.Outputs };
  }
}

module.exports = GatehouseObservability;
