import { describe, expect, it } from 'vitest';
import { maskEmail, maskName, maskPhone } from '../personal-data/personal-data-mask.js';
import { escapeHtml, html } from './html.js';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<td title="${name}">${name}</td>`.value).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>',
    );
    expect(escapeHtml(`' \` &amp;`)).toBe('&#39; &#96; &amp;amp;');
  });

  it('shows a bidirectional control character as its code point, so data cannot reorder the page', () => {
    const name = 'Kovács \u202Emoc.liame\u202C \u2067x\u2069';
    const out = html`<td>${name}</td><input value="${name}">`.toString();
    expect(out).toBe(
      '<td>Kovács &lt;U+202E&gt;moc.liame&lt;U+202C&gt; &lt;U+2067&gt;x&lt;U+2069&gt;</td>' +
        '<input value="Kovács &lt;U+202E&gt;moc.liame&lt;U+202C&gt; &lt;U+2067&gt;x&lt;U+2069&gt;">',
    );
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    // Other right-to-left text (Hebrew, Arabic) and marks are kept as they are.
    expect(html`${'שלום \u200F'}`.toString()).toBe('שלום \u200F');
  });

  it('keeps nested templates and arrays of them, drops null/undefined/booleans', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}${0}</ul>`.value).toBe(
      '<ul><li>a&lt;b</li><li>c</li>0</ul>',
    );
  });
});

describe('personal data masks', () => {
  it.each([
    ['Kovács Éva', 'K*** É***'],
    ['  Győző   Nagy ', 'G*** N***'],
    ['Ödön', 'Ö***'],
    ['', ''],
  ])('maskName(%j) = %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it('masks e-mail addresses and phone numbers', () => {
    expect(maskEmail('test.peter@example.com')).toBe('t***@example.com');
    expect(maskEmail('nobody')).toBe('n***');
    expect(maskEmail('Kovacs.Eva@Gmail.com')).toBe('K***@Gmail.com');
    expect(maskEmail('Bárány Zsófia - zsofi@freemail.hu')).toBe('B***@freemail.hu');
    // More than a domain after the @ (the checkout's field is free text): hidden whole.
    expect(maskEmail('zsofi@freemail.hu (Bárány Zsófia, 06 30 765 4321)')).toBe('hidden (49 characters)');
    expect(maskEmail('eva@kovacs.hu vagy 06301234567')).toBe('hidden (30 characters)');
    expect(maskPhone('+36304573549')).toBe('+*********49');
    expect(maskPhone('+36 30 457 3549')).toBe('+** ** *** **49');
  });
});
