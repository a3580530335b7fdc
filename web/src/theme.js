// The colour theme: the system's prefers-color-scheme unless the user picked
// one, which is remembered in localStorage under kubelive.theme ('light' or
// 'dark'; nothing else is ever stored there).
import { useEffect, useState } from 'react';

const KEY = 'kubelive.theme';
const query = () => window.matchMedia('(prefers-color-scheme: dark)');

function stored() {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : '';
}

/** useTheme returns [theme, toggle]; theme is 'light' or 'dark' and is set on <html data-theme>. */
export function useTheme() {
  const [system, setSystem] = useState(() => (query().matches ? 'dark' : 'light'));
  const [picked, setPicked] = useState(stored);
  useEffect(() => {
    const mq = query();
    const on = () => setSystem(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  const theme = picked || system;
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem(KEY, next);
    setPicked(next);
  };
  return [theme, toggle];
}
