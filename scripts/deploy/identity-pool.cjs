/**
 * Local Serverless plugin (serverless.yml `plugins:`): with the parameter `identityPool=true` it
 * adds the identity pool, its role mapping and one role per `tokens.groupRoles` group to the
 * packaged template (scripts/deploy/identity-pool.ts), reading the stage's bundled configuration
 * (config/gatehouse.json, or GATEHOUSE_CONFIG_FILE, with config/stages/<stage>.json over it).
 * Nothing is added otherwise.
 */
const path = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');

class GatehouseIdentityPool {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.addIdentityPool() };
  }

  addIdentityPool() {
    const custom = this.serverless.service.custom ?? {};
    if (String(custom.identityPool) !== 'true') return;
    const { identityPoolResources, groupRolesOf } = tsxRequire('./identity-pool.ts', __filename);
    const { stageConfig } = tsxRequire('./stage-settings.ts', __filename);
    const stage = this.serverless.getProvider('aws').getStage();
    let fragment;
    try {
      fragment = identityPoolResources({
        groupRoles: groupRolesOf(stageConfig(path.resolve(__dirname, '..', '..'), stage, configBase())),
        userPoolId: custom.userPoolIdValue,
        clientId: custom.userPoolClientIdValue,
      });
    } catch (error) {
      throw new this.serverless.classes.Error(error.message);
    }
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    Object.assign(template.Resources, fragment.Resources);
    template.Outputs = { ...(template.Outputs ?? {}), ...fragment.Outputs };
  }
}

/** The configuration the bundles carry: GATEHOUSE_CONFIG_FILE when set (as esbuild-plugins.cjs reads it). */
function configBase() {
  return process.env.GATEHOUSE_CONFIG_FILE ? path.resolve(process.env.GATEHOUSE_CONFIG_FILE) : undefined;
}

module.exports = GatehouseIdentityPool;
