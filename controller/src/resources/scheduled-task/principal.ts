// Who a task runs as, in one spelling. Windows writes SYSTEM as S-1-5-18,
// SYSTEM or NT AUTHORITY\SYSTEM (and localised names), the Users group as
// S-1-5-32-545, Users or BUILTIN\Users, a user as a SID, NAME or HOST\NAME.

const SYSTEM = new Set(['s-1-5-18', 'system', 'nt authority\\system', 'localsystem', '.\\system', 'nt-autorität\\system', 'autorite nt\\système']);
const USERS = new Set(['s-1-5-32-545', 'users', 'builtin\\users', '.\\users', 'vordefiniert\\benutzer', 'benutzer']);

/** The canonical name of a principal: SYSTEM, Users, or a lower-case user name without its domain. */
export function canonicalPrincipal(id: string | null | undefined): string | null {
  if (!id) return null;
  const key = id.trim().toLowerCase();
  if (SYSTEM.has(key)) return 'SYSTEM';
  if (USERS.has(key)) return 'Users';
  return key.includes('\\') ? key.slice(key.lastIndexOf('\\') + 1) : key;
}

/** The id converge writes into task XML: well-known SIDs for SYSTEM and Users, the name otherwise. */
export function principalXmlId(canonical: string): string {
  if (canonical === 'SYSTEM') return 'S-1-5-18';
  if (canonical === 'Users') return 'S-1-5-32-545';
  return canonical;
}
