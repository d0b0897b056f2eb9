/**
 * Local Serverless plugin (serverless.yml `plugins:`): with the parameter `geoDatabasePath` (a
 * MaxMind .mmdb file, e.g. GeoLite2-City.mmdb) it adds a Lambda layer holding that one file and
 * attaches it to the functions of `custom.geoDatabase.functions` (those that run the risk engine),
 * with `RISK_GEOIP_DATABASE=/opt/<file name>`: Lambda unpacks a layer under /opt, and the engine
 * reads the file once per container (shared/risk/default-engine.ts). Without the parameter nothing
 * is added and the engine has no location lookup. The file is never bundled into a function.
 */
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const path = require('node:path');

/** Where the layer's one file is staged for packaging (ignored by git). */
const STAGING = '.geoip-layer';

class GatehouseGeoLayer {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:initialize': () => this.addLayer() };
  }

  addLayer() {
    const service = this.serverless.service;
    const settings = service.custom?.geoDatabase ?? {};
    if (!settings.path) return;
    const root = this.serverless.serviceDir;
    const file = path.resolve(root, settings.path);
    const staging = path.join(root, STAGING);
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    try {
      copyFileSync(file, path.join(staging, path.basename(file)));
    } catch (error) {
      throw new this.serverless.classes.Error(
        `geoDatabasePath: cannot read ${settings.path} (${error.code ?? error.message})`,
      );
    }
    service.layers = {
      ...(service.layers ?? {}),
      geoip: {
        // One name per stage: layer names are the account's, not the stack's.
        name: `${service.service}-${this.serverless.getProvider('aws').getStage()}-geoip`,
        path: STAGING,
        description: `MaxMind database ${path.basename(file)} for the risk engine's location lookup`,
        compatibleRuntimes: [service.provider.runtime],
        compatibleArchitectures: [service.provider.architecture],
        retain: false,
      },
    };
    this.packageOffline();
    for (const name of settings.functions ?? []) {
      const fn = service.functions[name];
      if (!fn)
        throw new this.serverless.classes.Error(`custom.geoDatabase.functions names no function: ${name}`);
      fn.layers = [...(fn.layers ?? []), { Ref: 'GeoipLambdaLayer' }];
      fn.environment = { ...(fn.environment ?? {}), RISK_GEOIP_DATABASE: `/opt/${path.basename(file)}` };
    }
  }

  /**
   * The framework compares a layer with the deployed stack's (DescribeStacks) to skip uploading an
   * unchanged one: an optimisation of `deploy` that needs credentials and the network. A plain
   * `serverless package` uploads nothing, so there it is skipped, and packaging stays offline.
   */
  packageOffline() {
    if (this.serverless.processedInput.commands.includes('deploy')) return;
    const compiler = this.serverless.pluginManager.plugins.find(
      (p) => p.constructor.name === 'AwsCompileLayers',
    );
    if (compiler) compiler.compareWithLastLayer = async () => undefined;
  }
}

module.exports = GatehouseGeoLayer;
