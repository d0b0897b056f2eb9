/**
 * Local Serverless plugin (serverless.yml `plugins:`): before `serverless package` (and so before
 * every `serverless deploy`, which packages first) it checks the deploy parameters with
 * scripts/deploy/parameters.ts, and the stage's settings file (config/stages/<stage>.json) with
 * scripts/deploy/stage-settings.ts, and stops with one line per problem, before anything reaches
 * AWS.
 * The check itself is TypeScript, loaded through tsx (a dev dependency, present wherever the
 * repository's own `npm ci` ran).
 */
const path = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');

class GatehouseParameterCheck {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = {
      'before:package:initialize': () => this.check(),
    };
  }

  check() {
    const { resolveParameters, parameterProblems, formatProblems } = tsxRequire(
      './parameters.ts',
      __filename,
    );
    const stage = this.serverless.getProvider('aws').getStage();
    const params = this.serverless.configurationInput.params ?? {};
    const cli = this.serverless.processedInput.options.param ?? [];
    const command = this.serverless.processedInput.commands.includes('deploy') ? 'deploy' : 'package';
    const { stageConfigProblems } = tsxRequire('./stage-settings.ts', __filename);
    const problems = [
      ...parameterProblems(resolveParameters(params, stage, cli), Object.keys(params.default ?? {}), command),
      ...stageConfigProblems(path.resolve(__dirname, '..', '..'), stage),
    ];
    if (problems.length > 0) {
      throw new this.serverless.classes.Error(formatProblems(stage, problems));
    }
  }
}

module.exports = GatehouseParameterCheck;
