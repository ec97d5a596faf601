// htm binds JSX-like tagged templates to Preact's h(): components without a build step.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
