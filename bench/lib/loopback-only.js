// Preloaded into node-foreman (`node --import`) by the router bench: its proxy calls listen(port)
// with no address, which would bind every interface; the bench binds 127.0.0.1 only, so a listen
// without an address gets 127.0.0.1. Forked children inherit the preload through execArgv.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};
