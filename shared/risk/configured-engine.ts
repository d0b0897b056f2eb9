import { ConfigError } from '../errors/index.js';
import { createRiskEngine, type RiskEngine } from './engine.js';
import { type GeoLookup, mmdbLookup } from './geo.js';
import { loadRiskConfig } from './settings.js';
import { dynamoRiskStore } from './store.js';

/** The engine as configured (what `riskHooks()` loads at its first call): settings from the environment and the bundled file, the DynamoDB store, the configured geo database. */
export function defaultRiskEngine(): RiskEngine {
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
