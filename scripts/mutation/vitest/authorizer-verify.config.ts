import { groupVitestConfig } from './group-config.js';

export default groupVitestConfig('authorizer-verify');
