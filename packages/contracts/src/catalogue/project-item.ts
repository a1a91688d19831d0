import type { WebhookEvent } from '../events.js';
import { fieldPayloadPath, validateFields } from './field-catalogue.js';

/** A tree of selected payload keys; a `list` node maps over every element of a list. */
interface SelectionNode {
  list: boolean;
  children: Map<string, SelectionNode> | null;
}

function buildSelection(paths: readonly string[]): Map<string, SelectionNode> {
  const root = new Map<string, SelectionNode>();
  for (const path of paths) {
    let level = root;
    const segments = path.split('.');
    segments.forEach((segment, index) => {
      const list = segment.endsWith('[]');
      const key = list ? segment.slice(0, -2) : segment;
      const last = index === segments.length - 1;
      let node = level.get(key);
      if (!node) {
        node = { list, children: last ? null : new Map() };
        level.set(key, node);
      } else if (!last && node.children === null) {
        // a whole block is already selected: nothing narrower to add
        return;
      } else if (last) {
        node.children = null;
      }
      if (node.children) level = node.children;
    });
  }
  return root;
}

function project(value: unknown, selection: Map<string, SelectionNode>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (value === null || typeof value !== 'object') return out;
  const source = value as Record<string, unknown>;
  for (const [key, node] of selection) {
    if (!(key in source)) continue;
    const child = source[key];
    if (node.children === null) {
      out[key] = child;
    } else if (node.list) {
      const items = Array.isArray(child)
        ? child
        : child === null || child === undefined || child === ''
          ? []
          : [child];
      out[key] = items.map((item) => project(item, node.children as Map<string, SelectionNode>));
    } else {
      out[key] = project(child, node.children);
    }
  }
  return out;
}

/**
 * What the shop sends for one item when a subscription selects `fields`: the full item cut down
 * to the selected fields, in payload shape (prefix dropped, products under
 * `orderProducts.orderProduct[]`). Without `fields` (or with an empty list) the item is returned
 * unchanged: the shop then sends its default set. Throws `FieldNotAvailableError` for a field
 * that is not available for `event`.
 */
export function projectItem(
  event: WebhookEvent,
  item: Record<string, unknown>,
  fields?: readonly string[],
): Record<string, unknown> {
  if (!fields || fields.length === 0) return item;
  validateFields(event, fields);
  return project(item, buildSelection(fields.map(fieldPayloadPath)));
}
