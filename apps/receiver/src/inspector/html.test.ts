import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.js';
import { maskEmail, maskName, maskPhone } from './personal-data-mask.js';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const name = '<script>alert("x")</script>';
    expect(html`<td title="${name}">${name}</td>`.value).toBe(
      '<td title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>',
    );
    expect(escapeHtml(`' \` &amp;`)).toBe('&#39; &#96; &amp;amp;');
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
    expect(maskPhone('+36304573549')).toBe('+*********49');
    expect(maskPhone('+36 30 457 3549')).toBe('+** ** *** **49');
  });
});
