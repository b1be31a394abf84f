'use strict';
// Preloaded into the Portkey gateway (`node --require`): its start-server.js listens with no host, which is every
// interface, and has no flag to change that. Every net.Server this process opens listens on 127.0.0.1 instead.
const net = require('node:net');

const listen = net.Server.prototype.listen;
const LOOPBACK = '127.0.0.1';

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    // listen(options[, callback]): a handle or a path (pipe) is left alone, a port gets the loopback host.
    if (first.port !== undefined || (first.path === undefined && first.handle === undefined && first.fd === undefined)) {
      args[0] = { ...first, host: LOOPBACK };
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^[0-9]+$/.test(first))) {
    // listen(port[, host][, backlog][, callback]): whatever host was given (or none) becomes the loopback address.
    const rest = args.slice(1);
    if (rest.length > 0 && (typeof rest[0] === 'string' || rest[0] === undefined || rest[0] === null)) rest.shift();
    args = [first, LOOPBACK, ...rest];
  } else if (typeof first === 'function' || first === undefined) {
    // listen([callback]): a random port, on loopback.
    args = [0, LOOPBACK, ...args.filter((a) => typeof a === 'function')];
  }
  return listen.apply(this, args);
};
