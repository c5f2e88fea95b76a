// `gannet statechart`: the connection machine drawn from its own definition, so the diagram
// can never drift from the code. Mermaid (stateDiagram-v2) or Graphviz DOT.

import type { AnyStateNode } from 'xstate';
import { connectionMachine } from './machine.js';

interface Edge {
  from: AnyStateNode;
  to: AnyStateNode;
  label: string;
}

interface TransitionLike {
  eventType: string;
  target?: readonly AnyStateNode[] | undefined;
  guard?: { type?: string } | string | undefined;
}

/** Readable event names: xstate's internal done/error/after events named by what they mean. */
function eventLabel(eventType: string): string {
  if (eventType.startsWith('xstate.done.actor.')) return 'done';
  if (eventType.startsWith('xstate.error.actor.')) return 'error';
  if (eventType.startsWith('xstate.after.')) return `after ${eventType.slice('xstate.after.'.length).split('.')[0]}`;
  return eventType === '' ? 'always' : eventType;
}

function guardLabel(t: TransitionLike): string {
  const g = t.guard;
  if (!g) return '';
  const name = typeof g === 'string' ? g : g.type;
  return name ? ` [${name}]` : '';
}

function collect(node: AnyStateNode, edges: Edge[], nodes: AnyStateNode[]): void {
  nodes.push(node);
  const all: TransitionLike[] = [];
  for (const list of node.transitions.values()) all.push(...(list as unknown as TransitionLike[]));
  const always = (node as unknown as { always?: TransitionLike[] }).always;
  if (always) all.push(...always.map((t) => ({ ...t, eventType: '' })));
  for (const t of all) {
    for (const to of t.target ?? []) edges.push({ from: node, to, label: `${eventLabel(t.eventType)}${guardLabel(t)}` });
  }
  for (const child of Object.values(node.states)) collect(child as AnyStateNode, edges, nodes);
}

function graph(): { nodes: AnyStateNode[]; edges: Edge[] } {
  const edges: Edge[] = [];
  const nodes: AnyStateNode[] = [];
  collect(connectionMachine.root, edges, nodes);
  return { nodes, edges };
}

const idOf = (n: AnyStateNode) => (n.path.length === 0 ? 'conn' : n.path.join('_'));

export function statechartMermaid(): string {
  const { nodes, edges } = graph();
  const lines = ['stateDiagram-v2'];
  // Every state is named inside its parent's block, so Mermaid nests it correctly; the
  // readable names (`id : key`) follow at the top level, where Mermaid accepts them too.
  const emit = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states) as AnyStateNode[];
    const composite = children.length > 0;
    const isRoot = node.path.length === 0;
    if (!isRoot && composite) lines.push(`${indent}state ${idOf(node)} {`);
    else if (!isRoot) lines.push(`${indent}${idOf(node)}`);
    const inner = isRoot ? indent : `${indent}  `;
    const initial = node.initial?.target?.[0];
    if (composite && initial) lines.push(`${inner}[*] --> ${idOf(initial)}`);
    for (const c of children) emit(c, inner);
    if (!isRoot && composite) lines.push(`${indent}}`);
    if (node.type === 'final') lines.push(`${indent}${idOf(node)} --> [*]`);
  };
  emit(connectionMachine.root, '  ');
  for (const n of nodes) if (n.path.length > 0) lines.push(`  ${idOf(n)} : ${n.key}`);
  for (const e of edges) lines.push(`  ${idOf(e.from)} --> ${idOf(e.to)} : ${e.label}`);
  return `${lines.join('\n')}\n`;
}

export function statechartDot(): string {
  const { nodes, edges } = graph();
  const lines = ['digraph connection {', '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const n of nodes) {
    if (n.path.length === 0) continue;
    const shape = n.type === 'final' ? ', peripheries=2' : '';
    lines.push(`  ${idOf(n)} [label="${n.path.join('.')}"${shape}];`);
  }
  for (const e of edges) lines.push(`  ${idOf(e.from)} -> ${idOf(e.to)} [label="${e.label.replace(/"/g, '\\"')}"];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
