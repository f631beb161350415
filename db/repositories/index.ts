export { AccountRepository, type AccountFilter } from './account.repository.js';
export {
  GrantRepository,
  type GrantInScope,
  type GrantScope,
  type ResourceHolders,
} from './grant.repository.js';
export { IdentityRepository } from './identity.repository.js';
