// A tiny IndexedDB key-value store: the offline card pass and its QR live here, readable with no network.

const DB_NAME = "ansinh";
const STORE = "kv";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const kv = {
  get: (key) => run("readonly", (store) => store.get(key)),
  set: (key, value) => run("readwrite", (store) => store.put(value, key)),
  delete: (key) => run("readwrite", (store) => store.delete(key)),
  clear: () => run("readwrite", (store) => store.clear()),
};
