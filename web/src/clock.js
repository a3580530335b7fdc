// One shared 1 s ticker for every relative time on screen: a cell re-renders
// itself, never its row or table.
import { useSyncExternalStore } from 'react';

let now = Date.now();
let timer = 0;
const listeners = new Set();

function subscribe(cb) {
  listeners.add(cb);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of [...listeners]) l();
    }, 1000);
  }
  return () => {
    listeners.delete(cb);
    if (!listeners.size) {
      clearInterval(timer);
      timer = 0;
    }
  };
}

const get = () => now;

/** useNow returns Date.now(), refreshed every second. */
export function useNow() {
  return useSyncExternalStore(subscribe, get, get);
}
