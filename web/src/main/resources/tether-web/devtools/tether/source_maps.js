// Tether: a bundle's source map is a file: URL on the function's disk. This DevTools build loads
// file: URLs only from the browser's host (which cannot reach that disk) and asks a Node target
// for nothing, so the map never loads. For file: URLs, ask the target instead, as DevTools does for
// pages: Network.loadNetworkResource, then IO.read until eof, then IO.close. Tether's shim answers
// those from the function's own files (only maps that loaded scripts name, and their sources).
import * as SDK from '../core/sdk/sdk.js';

const loader = SDK.PageResourceLoader.PageResourceLoader.prototype;
const hostLoad = loader.dispatchLoad;

loader.dispatchLoad = async function (url, initiator) {
  const target = initiator?.target || SDK.TargetManager.TargetManager.instance().rootTarget();
  if (typeof url === 'string' && url.startsWith('file:') && target) {
    try {
      return await loadThroughTarget(target, url);
    } catch (e) {
      return failed(e.message);
    }
  }
  return hostLoad.call(this, url, initiator);
};

async function loadThroughTarget(target, url) {
  const response = await target.networkAgent().invoke_loadNetworkResource({
    url,
    options: { disableCache: true, includeCredentials: false },
  });
  if (response.getError()) return failed(response.getError());
  const resource = response.resource;
  if (!resource.success || !resource.stream) return failed(resource.netErrorName || 'not loaded');
  const decoder = new TextDecoder();
  const parts = [];
  try {
    for (;;) {
      const chunk = await target.ioAgent().invoke_read({ handle: resource.stream, size: 1 << 20 });
      if (chunk.getError()) return failed(chunk.getError());
      if (chunk.base64Encoded) {
        const bytes = Uint8Array.from(atob(chunk.data), (c) => c.charCodeAt(0));
        parts.push(decoder.decode(bytes, { stream: !chunk.eof }));
      } else {
        parts.push(chunk.data);
      }
      if (chunk.eof) break;
    }
  } finally {
    target.ioAgent().invoke_close({ handle: resource.stream });
  }
  return {
    success: true,
    content: parts.join(''),
    errorDescription: { statusCode: resource.httpStatusCode || 200, message: '', urlValid: undefined },
  };
}

function failed(message) {
  return {
    success: false,
    content: '',
    errorDescription: { statusCode: 0, netError: undefined, netErrorName: undefined, message, urlValid: undefined },
  };
}
