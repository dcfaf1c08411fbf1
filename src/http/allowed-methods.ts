import type { Express, RequestHandler } from 'express';
import { AppError } from '../core/errors';

/** What this file reads of Express 5's router (the `router` package): its layers and their routes. */
type Layer = {
  route?: { methods: Record<string, boolean | undefined> };
  handle?: { stack?: Layer[] };
  match(path: string): boolean;
};

function matches(layer: Layer, path: string): boolean {
  try {
    return layer.match(path);
  } catch {
    // A path that does not decode was answered 400 by the router already; it matches nothing here.
    return false;
  }
}

/**
 * The methods the app's routes answer for `path`, upper-case and sorted: HEAD wherever GET is, and
 * OPTIONS wherever anything is. Empty for a path no route knows. Routers mounted with `app.use` are
 * searched too; a route for every method (`all`) gives undefined, for no method is wrong there.
 */
export function allowedMethods(app: Express, path: string): string[] | undefined {
  const methods = new Set<string>();
  const search = (stack: Layer[]): boolean => {
    for (const layer of stack) {
      if (!matches(layer, path)) continue;
      if (layer.route) {
        if (layer.route.methods._all) return false;
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on) methods.add(method.toUpperCase());
      } else if (layer.handle?.stack && !search(layer.handle.stack)) {
        return false;
      }
    }
    return true;
  };
  const { router } = app as unknown as { router: { stack: Layer[] } };
  if (!search(router.stack)) return undefined;
  if (methods.size === 0) return [];
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}

/** OPTIONS on a known path: 204 with `Allow`, for every route the same (an unknown path goes on, to 404). */
export function answerOptions(app: Express): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    const allowed = allowedMethods(app, req.path);
    if (!allowed?.length) return next();
    res.set('Allow', allowed.join(', ')).status(204).end();
  };
}

/** After every route: a known path asked with another method is 405 with `Allow`, not 404. */
export function methodNotAllowed(app: Express): RequestHandler {
  return (req, res, next) => {
    const allowed = allowedMethods(app, req.path);
    if (!allowed?.length) return next();
    res.set('Allow', allowed.join(', '));
    next(
      new AppError(
        'METHOD_NOT_ALLOWED',
        `${req.method} is not allowed on ${req.path}; it takes ${allowed.join(', ')}.`,
        { allow: allowed },
      ),
    );
  };
}
