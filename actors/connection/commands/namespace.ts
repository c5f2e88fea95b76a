// NAMESPACE (RFC 2342): one personal namespace with no prefix and "/" as delimiter; no
// other users' or shared namespaces.

import type { CommandHandler } from './types.js';

export const handleNamespace: CommandHandler<'NAMESPACE'> = (_cmd, { out }) => {
  out.write('* NAMESPACE (("" "/")) NIL NIL\r\n');
  return {};
};
