import { groupVitestConfig } from './group-config.js';

export default groupVitestConfig('lockout');
