// The web-mode access token on the page's side: `ddcnn serve` prints an address with ?token=...; the page
// keeps the token in sessionStorage, so that a reload still works (the server lets the reload have the
// page through a cookie, see src-main/server/server.ts), and takes it out of the visible address, so that
// it does not end up in screenshots, bookmarks or the history. Plain structural types (no DOM names), so
// that Node tests can give their own location, history and storage.

const TOKEN_KEY = 'ddcnn-token';

export interface TokenEnvironment {
  location: { href: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string | null): void };
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/**
 * The token from the address (moved to storage, and removed from the address with the rest of the
 * address kept), or from storage after a reload; null when there is none.
 */
export function takeToken(env: TokenEnvironment): string | null {
  const url = new URL(env.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    env.storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    env.history.replaceState(env.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return env.storage.getItem(TOKEN_KEY);
}
