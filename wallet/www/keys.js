// Proving keys in the browser: downloaded once, checked against the hashes that the keys
// directory's meta.json publishes (BLAKE2b-256, checked by the wasm), and cached in the Cache
// API under their hash, so a new key is a new download and a corrupted cache entry is dropped.

const CACHE = 'zkcredit-keys-v1';

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Bytes of `file` in the keys directory at `base`, pinned by `hash` (hex BLAKE2b-256).
 * `check(bytes)` throws unless the bytes hash to `hash`. Returns `{bytes, downloaded}`.
 */
async function cachedFile(base, file, hash, check) {
  const cache = typeof caches !== 'undefined' ? await caches.open(CACHE) : null;
  const key = new URL(`${base}/${file}?blake2b=${hash}`, self.location.href).href;
  if (cache) {
    const hit = await cache.match(key);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      try {
        check(bytes);
        return { bytes, downloaded: 0 };
      } catch (_) {
        await cache.delete(key); // corrupted entry: download again
      }
    }
  }
  const bytes = await fetchBytes(`${base}/${file}`);
  check(bytes); // throws: the download does not match the published hash; nothing cached
  if (cache) {
    await cache.put(key, new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
  }
  return { bytes, downloaded: bytes.length };
}

/**
 * Loads the keys directory at `base` (a URL): `{meta, metaBytes, vk, pk, downloaded}` where
 * `downloaded` counts the key-file bytes that came over the network (0 when both were cached;
 * meta.json, a few hundred bytes, is always fetched).
 */
export async function loadKeyFiles(wasm, base) {
  const metaBytes = await fetchBytes(`${base}/meta.json`);
  const meta = JSON.parse(new TextDecoder().decode(metaBytes));
  if (!meta.pk_hash || !meta.vk_hash) throw new Error(`${base}/meta.json publishes no key hashes`);
  const vk = await cachedFile(base, 'verifying_key.bin', meta.vk_hash, (b) => {
    const h = wasm.blake2b256Hex(b);
    if (h !== meta.vk_hash) throw new Error(`verifying_key.bin: BLAKE2b-256 ${h}, meta.json publishes ${meta.vk_hash}`);
  });
  const pk = await cachedFile(base, 'proving_key.bin', meta.pk_hash, (b) => wasm.checkProvingKey(metaBytes, b));
  return { meta, metaBytes, vk: vk.bytes, pk: pk.bytes, downloaded: vk.downloaded + pk.downloaded };
}
