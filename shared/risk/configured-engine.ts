import { ConfigError } from '../errors/index.js';
import { createRiskEngine, type RiskEngine } from './engine.js';
import { type GeoLookup, mmdbLookup } from './geo.js';
import { loadRiskConfig } from './settings.js';
import { dynamoRiskStore } from './store.js';

/**
 * The engine as configured: settings from the environment and the bundled file, the DynamoDB
 * store, the configured geo database. A function builds it once at module scope (a bad risk
 * setting fails the cold start) and passes it to the sign-in code that asks it.
 */
export function configuredRiskEngine(): RiskEngine {
  const config = loadRiskConfig();
  let geo: GeoLookup | undefined;
  if (config.geoDatabase) {
    try {
      geo = mmdbLookup(config.geoDatabase);
    } catch (error) {
      throw new ConfigError('RISK_GEOIP_DATABASE', `cannot read ${config.geoDatabase}`, { cause: error });
    }
  }
  return createRiskEngine(config, { store: dynamoRiskStore(config.historyLimit), ...(geo ? { geo } : {}) });
}
