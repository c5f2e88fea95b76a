// Recipient address → account name, as maddy's storage does it on delivery: the
// `delivery_normalize` function, then the `delivery_map` table, then Gannet's account-name
// normalisation (the key accounts are stored under, src/auth/normalize.ts).

import { domainToUnicode } from 'node:url';
import { normalizeUsername } from '../auth/normalize.js';
import { openTable, type ReadableTable } from '../auth/tables/table.js';
import type { DeliveryMapConfig, DeliveryNormalize } from '../config/schema.js';

/** Splits at the last `@` (a quoted local part may itself contain one, RFC 5321 §4.1.2). */
function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** The domain in U-labels and lower case (RFC 5890 §2.3.2.1); unchanged when not valid IDNA. */
function cleanDomain(domain: string): string {
  const lower = domain.toLowerCase();
  const unicode = domainToUnicode(lower);
  return unicode === '' ? lower : unicode.normalize('NFC');
}

/**
 * maddy's normalization functions. The PRECIS profiles (RFC 8265 §3.3 UsernameCaseMapped,
 * §3.4 UsernameCasePreserved) are approximated by NFC plus, for the case-mapped ones,
 * lower-casing: for the addresses mail actually uses the result is the same.
 */
export function normalizeRecipient(address: string, fn: DeliveryNormalize): string {
  switch (fn) {
    case 'noop':
      return address;
    case 'casefold':
      return address.toLowerCase();
    case 'precis':
      return address.normalize('NFC');
    case 'precis_casefold':
      return address.normalize('NFC').toLowerCase().normalize('NFC');
    case 'precis_email':
    case 'precis_casefold_email': {
      const parts = splitAddress(address);
      const folded = fn === 'precis_casefold_email';
      if (parts === null) return folded ? address.normalize('NFC').toLowerCase().normalize('NFC') : address.normalize('NFC');
      const local = folded ? parts.local.normalize('NFC').toLowerCase().normalize('NFC') : parts.local.normalize('NFC');
      return `${local}@${cleanDomain(parts.domain)}`;
    }
  }
}

/** RFC 5321 §4.1.2 Quoted-string local part → its content (`"a b"` → `a b`). */
function unquoteLocal(local: string): string {
  if (local.length >= 2 && local.startsWith('"') && local.endsWith('"')) return local.slice(1, -1).replace(/\\(.)/g, '$1');
  return local;
}

/** A `delivery_map` lookup: the mapped name, or null when the table has no entry. */
export interface RecipientMap {
  lookup(key: string): Promise<string | null>;
  close(): Promise<void>;
}

export function openRecipientMap(cfg: DeliveryMapConfig | undefined, stateDir: string): RecipientMap {
  const none = async (): Promise<void> => {};
  if (cfg === undefined || cfg.kind === 'identity') return { lookup: async (k) => k, close: none };
  switch (cfg.kind) {
    case 'email_localpart':
      return {
        lookup: async (k) => {
          const parts = splitAddress(k);
          if (parts === null) return cfg.optional ? k : null;
          return unquoteLocal(parts.local);
        },
        close: none,
      };
    case 'static': {
      const entries = new Map(cfg.entries);
      return { lookup: async (k) => entries.get(k) ?? null, close: none };
    }
    case 'table': {
      let table: ReadableTable | null = null;
      return {
        lookup: async (k) => {
          table ??= openTable(cfg.table, stateDir);
          const v = await table.get(k);
          return v === undefined || v === '' ? null : v;
        },
        close: async () => {
          await table?.close();
        },
      };
    }
  }
}

/**
 * The account name a recipient address is delivered to, or null when the address cannot name
 * one (no map entry, or not a usable account name). Whether the account exists is the
 * caller's question.
 */
export async function accountNameFor(address: string, normalize: DeliveryNormalize, map: RecipientMap): Promise<string | null> {
  if (address === '') return null;
  const mapped = await map.lookup(normalizeRecipient(address, normalize));
  if (mapped === null) return null;
  const check = normalizeUsername(mapped);
  return check.ok ? check.username : null;
}
