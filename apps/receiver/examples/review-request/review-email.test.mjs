import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { article, renderReviewEmail } from './review-email.mjs';

describe('article (Hungarian a/az)', () => {
  it.each([
    ['Virágbolt', 'a'],
    ['ékszerbolt', 'az'],
    ['Ördögkert', 'az'],
    ['1', 'az'],
    ['10', 'a'],
    ['190', 'a'],
    ['1000', 'az'],
    ['12345', 'a'],
    ['5', 'az'],
    ['512', 'az'],
    ['62744', 'a'],
    ['1500000', 'az'],
  ])('%s → %s', (word, expected) => {
    expect(article(word)).toBe(expected);
  });
});

describe('renderReviewEmail', () => {
  const date = new Date('2026-07-01T08:00:00.000Z');

  it('writes a Hungarian message listing every ordered product with its quantity', () => {
    const order = {
      ...sampleOrder(3),
      innerId: '190',
      storeName: 'Ékszerdoboz',
      firstname: 'Éva',
      lastname: 'Balogh',
      email: 'eva.balogh@example.net',
      orderProducts: {
        orderProduct: [
          { name: 'Rubik-kocka 3×3', quantity: 2 },
          { name: 'Tulipán csokor (30 szál)', quantity: 1 },
        ],
      },
    };
    const email = renderReviewEmail(order, {
      shop: 'demo',
      messageId: 'job_1',
      date,
      reviewUrl: 'https://{shop}.hu/ertekeles?rendeles={order}',
    });
    expect(email?.to).toBe('eva.balogh@example.net');
    expect(email?.subject).toBe('Hogy tetszik, amit vásárolt? (190. számú rendelés)');
    expect(email?.message).toBe(
      [
        'From: Ékszerdoboz <noreply@demo.shoprenter.hu>',
        'To: Balogh Éva <eva.balogh@example.net>',
        'Subject: Hogy tetszik, amit vásárolt? (190. számú rendelés)',
        'Date: Wed, 01 Jul 2026 08:00:00 +0000',
        'Message-ID: <job_1@srhooks>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        'X-Srhooks-Order: 190',
        '',
        'Kedves Balogh Éva!',
        '',
        'Köszönjük, hogy az Ékszerdoboz webáruházban vásárolt. Reméljük, minden rendben megérkezett.',
        '',
        'A 190. számú rendelésében ezeket a termékeket kapta:',
        '',
        '  • Rubik-kocka 3×3 – 2 db',
        '  • Tulipán csokor (30 szál) – 1 db',
        '',
        'Sokat segítene nekünk és a többi vásárlónak, ha pár szóban értékelné őket:',
        'https://demo.hu/ertekeles?rendeles=190',
        '',
        'Köszönjük, hogy minket választott!',
        'Az Ékszerdoboz csapata',
        '',
      ].join('\n'),
    );
  });

  it('returns null when the order has no e-mail address', () => {
    expect(
      renderReviewEmail({ ...sampleOrder(4), email: '' }, { shop: 'demo', messageId: 'j', date }),
    ).toBeNull();
  });
});
