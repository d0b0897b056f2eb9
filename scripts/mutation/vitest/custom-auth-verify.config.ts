import { groupVitestConfig } from './group-config.js';

export default groupVitestConfig('custom-auth-verify');
