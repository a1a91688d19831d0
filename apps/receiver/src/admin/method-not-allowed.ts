/**
 * The admin API's answer to a path it has with a method it does not take (`GET …/replay`, `DELETE
 * /admin/api/events`): 405 with `Allow` naming the methods it does take, instead of the 404 of a path
 * that does not exist, so a script's author sees at once what to change. A path no route has stays the
 * uniform 404. Both only after the admin guard, like every admin route: nothing is learnt without the token.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { errorBody, NOT_FOUND_BODY } from '../http/error-body.js';

interface RoutePattern {
  readonly segments: readonly string[];
  readonly methods: Set<string>;
}

/** Records the routes of `app` (and its children) as they are added; `answer` is its not-found answer. */
export function methodNotAllowedAnswers(app: FastifyInstance): {
  answer(request: FastifyRequest, reply: FastifyReply): FastifyReply;
} {
  const patterns = new Map<string, RoutePattern>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const url = route.url;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = patterns.get(url) ?? { segments: url.split('/'), methods: new Set<string>() };
    for (const method of methods) pattern.methods.add(method);
    // fastify answers HEAD for every GET route (exposeHeadRoutes).
    if (pattern.methods.has('GET')) pattern.methods.add('HEAD');
    patterns.set(url, pattern);
  });

  function allowedMethods(path: string): string[] {
    const segments = path.split('/');
    const allowed = new Set<string>();
    for (const pattern of patterns.values()) {
      if (matches(pattern.segments, segments)) for (const method of pattern.methods) allowed.add(method);
    }
    return [...allowed].sort();
  }

  return {
    answer(request, reply) {
      const path = request.url.split('?')[0] ?? request.url;
      const allowed = allowedMethods(path);
      if (allowed.length === 0 || allowed.includes(request.method)) {
        return reply.code(404).send(NOT_FOUND_BODY);
      }
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(
          errorBody(
            'method_not_allowed',
            `${request.method} is not a method of ${shortPath(path)}: it takes ${allowed.join(', ')}. ` +
              'The routes and their methods: docs/admin-api-and-inspector.md.',
            { allow: allowed },
          ),
        );
    },
  };
}

/** A route's segments (`:name` takes any one non-empty segment) against a request path's. */
function matches(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((part, index) =>
    part.startsWith(':') ? segments[index] !== '' : part === segments[index],
  );
}

function shortPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
