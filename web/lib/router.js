// Hash routing: #/live, #/alert/<id>, #/filters/<id>... Works from any path without server routes.
import { useEffect, useState } from 'preact/hooks';

export function parseHash(hash = location.hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = '', ...rest] = path.split('/').map(decodeURIComponent);
  return { page: page || 'live', params: rest, query: new URLSearchParams(query) };
}

export function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const onChange = () => setRoute(parseHash());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function navigate(path) {
  location.hash = `#/${path}`;
}

export function link(...parts) {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}
