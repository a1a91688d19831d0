/**
 * Realistic Hungarian shop data for samples: names, real towns with real postcodes and their
 * counties (ShopRenter's "zone"), streets, products with HUF net prices, shipping and payment
 * methods, order statuses. Invented shop data, real geography.
 */

export const LAST_NAMES = [
  'Kovács',
  'Szabó',
  'Nagy',
  'Tóth',
  'Horváth',
  'Varga',
  'Kiss',
  'Molnár',
  'Németh',
  'Farkas',
  'Balogh',
  'Papp',
  'Takács',
  'Juhász',
  'Lakatos',
  'Mészáros',
  'Oláh',
  'Simon',
  'Rácz',
  'Fekete',
] as const;

export const FIRST_NAMES = [
  'Éva',
  'Ádám',
  'Zsófia',
  'Bence',
  'Réka',
  'Gergő',
  'Katalin',
  'László',
  'Anna',
  'Péter',
  'Eszter',
  'Tamás',
  'Noémi',
  'Dávid',
  'Ildikó',
  'Zoltán',
  'Júlia',
  'Máté',
  'Orsolya',
  'Balázs',
] as const;

export interface Town {
  readonly city: string;
  /** Real postcodes of the town. */
  readonly postcodes: readonly string[];
  /** The county, as ShopRenter's zone name. */
  readonly zone: string;
}

export const TOWNS: readonly Town[] = [
  {
    city: 'Debrecen',
    postcodes: ['4024', '4025', '4026', '4027', '4028', '4029', '4031', '4032'],
    zone: 'Hajdú-Bihar',
  },
  { city: 'Hajdúszoboszló', postcodes: ['4200'], zone: 'Hajdú-Bihar' },
  {
    city: 'Győr',
    postcodes: ['9021', '9022', '9023', '9024', '9025', '9026', '9027', '9028'],
    zone: 'Győr-Moson-Sopron',
  },
  { city: 'Sopron', postcodes: ['9400'], zone: 'Győr-Moson-Sopron' },
  {
    city: 'Pécs',
    postcodes: ['7621', '7622', '7623', '7624', '7625', '7626', '7627', '7632'],
    zone: 'Baranya',
  },
  {
    city: 'Szeged',
    postcodes: ['6720', '6721', '6722', '6723', '6724', '6725', '6726'],
    zone: 'Csongrád-Csanád',
  },
  {
    city: 'Miskolc',
    postcodes: ['3525', '3526', '3527', '3528', '3529', '3530', '3531'],
    zone: 'Borsod-Abaúj-Zemplén',
  },
  {
    city: 'Budapest',
    postcodes: ['1011', '1027', '1051', '1052', '1065', '1072', '1085', '1092', '1111', '1134'],
    zone: 'Budapest',
  },
  { city: 'Kecskemét', postcodes: ['6000'], zone: 'Bács-Kiskun' },
  { city: 'Székesfehérvár', postcodes: ['8000'], zone: 'Fejér' },
  { city: 'Nyíregyháza', postcodes: ['4400'], zone: 'Szabolcs-Szatmár-Bereg' },
  { city: 'Eger', postcodes: ['3300'], zone: 'Heves' },
  { city: 'Veszprém', postcodes: ['8200'], zone: 'Veszprém' },
  { city: 'Szombathely', postcodes: ['9700'], zone: 'Vas' },
];

export const STREETS = [
  'Kossuth Lajos utca',
  'Petőfi Sándor utca',
  'Rákóczi út',
  'Széchenyi tér',
  'Arany János utca',
  'Dózsa György út',
  'Ady Endre utca',
  'Bajcsy-Zsilinszky út',
  'Jókai Mór utca',
  'Táncsics Mihály utca',
  'Szent István körút',
  'Bartók Béla út',
] as const;

export const ADDRESS_SECOND_LINES = [
  '2. emelet 5.',
  'fszt. 1.',
  'B lépcsőház, 3/12.',
  'kapucsengő: 14',
] as const;

export const COMPANIES = ['Minta Kft.', 'Tiszavirág Bt.', 'Példa és Társa Zrt.', 'Kék Duna Kft.'] as const;

export const ORDER_COMMENTS = [
  'Kérem, csengessen kétszer!',
  'Délután 4 után legyen szíves hozni.',
  'A kapukód: 1234.',
  'Ajándékba megy, kérem, ne tegyenek bele számlát.',
] as const;

export interface Product {
  readonly name: string;
  readonly sku: string;
  /** Net unit price in HUF (ShopRenter's orderProduct `price`). */
  readonly netPrice: number;
  readonly category: string;
  /** kg */
  readonly weight: number;
  /** cm: height, width, length */
  readonly size: readonly [number, number, number];
}

export const PRODUCTS: readonly Product[] = [
  {
    name: 'Pick téliszalámi 400 g',
    sku: 'PICK-TSZ-400',
    netPrice: 3378,
    category: 'Élelmiszer, Hentesáru',
    weight: 0.4,
    size: [6, 6, 30],
  },
  {
    name: 'Szamos marcipános desszertválogatás 250 g',
    sku: 'SZAM-MDV-250',
    netPrice: 2512,
    category: 'Élelmiszer, Édesség',
    weight: 0.3,
    size: [4, 15, 20],
  },
  {
    name: 'Herendi porcelán bögre, Viktória minta',
    sku: 'HER-BGR-VIK',
    netPrice: 10228,
    category: 'Lakberendezés, Porcelán',
    weight: 0.35,
    size: [9, 12, 10],
  },
  {
    name: 'Zsolnay eozin váza 20 cm',
    sku: 'ZSO-VAZ-20',
    netPrice: 19677,
    category: 'Lakberendezés, Porcelán',
    weight: 0.9,
    size: [20, 12, 12],
  },
  {
    name: 'Tokaji aszú 5 puttonyos 0,5 l',
    sku: 'TOK-ASZ-5P',
    netPrice: 7079,
    category: 'Italok, Bor',
    weight: 1.1,
    size: [32, 8, 8],
  },
  {
    name: 'Kalocsai hímzett terítő 80×80 cm',
    sku: 'KAL-TER-80',
    netPrice: 5110,
    category: 'Lakástextil',
    weight: 0.25,
    size: [2, 20, 30],
  },
  {
    name: 'Rubik-kocka 3×3',
    sku: 'RUB-3X3',
    netPrice: 3929,
    category: 'Játék, Logikai játék',
    weight: 0.1,
    size: [6, 6, 6],
  },
  {
    name: 'Zwack Unicum 0,7 l',
    sku: 'ZWA-UNI-07',
    netPrice: 5346,
    category: 'Italok, Likőr',
    weight: 1.2,
    size: [30, 10, 10],
  },
  {
    name: 'Szegedi csemegepaprika-őrlemény 100 g',
    sku: 'SZE-PAP-100',
    netPrice: 1016,
    category: 'Élelmiszer, Fűszer',
    weight: 0.1,
    size: [3, 8, 12],
  },
  {
    name: 'Túró Rudi ajándékdoboz',
    sku: 'TUR-RUD-AJD',
    netPrice: 2354,
    category: 'Élelmiszer, Édesség',
    weight: 0.5,
    size: [8, 18, 25],
  },
  {
    name: 'Gyermek gumicsizma, 28-as',
    sku: 'GUM-CSZ-28',
    netPrice: 4717,
    category: 'Ruházat, Lábbeli',
    weight: 0.6,
    size: [12, 20, 30],
  },
  {
    name: 'Bambusz fogkefe, 4 db',
    sku: 'BAM-FOG-4',
    netPrice: 1566,
    category: 'Drogéria',
    weight: 0.08,
    size: [2.5, 8, 20],
  },
  {
    name: 'Ajándékutalvány 🎁 5000 Ft',
    sku: 'AJD-UTV-5000',
    netPrice: 3937,
    category: 'Ajándék',
    weight: 0,
    size: [0, 0, 0],
  },
];

export interface ShippingMethod {
  readonly name: string;
  readonly grossPrice: number;
  /** id inside `shippingModeExtend/<base64 of shippingMode-id=N>` */
  readonly modeId: number;
}

export const SHIPPING_METHODS: readonly ShippingMethod[] = [
  { name: 'GLS házhoz szállítás', grossPrice: 1690, modeId: 3 },
  { name: 'Foxpost csomagautomata', grossPrice: 1190, modeId: 7 },
  { name: 'MPL házhoz szállítás', grossPrice: 1990, modeId: 5 },
  { name: 'Személyes átvétel az üzletben', grossPrice: 0, modeId: 1 },
];

export interface PaymentMethod {
  readonly name: string;
  readonly grossPrice: number;
}

export const PAYMENT_METHODS: readonly PaymentMethod[] = [
  { name: 'Utánvét', grossPrice: 390 },
  { name: 'Bankkártyás fizetés (SimplePay)', grossPrice: 0 },
  { name: 'Banki átutalás', grossPrice: 0 },
];

export const COUPONS = [
  { code: 'TAVASZ1000', grossPrice: 1000 },
  { code: 'HUSEG500', grossPrice: 500 },
] as const;

/** Order statuses as a Hungarian-language shop shows them. `1` is a new order. */
export const ORDER_STATUSES = [
  { status: '1', statusText: 'Függőben' },
  { status: '2', statusText: 'Feldolgozás alatt' },
  { status: '3', statusText: 'Kiszállítás alatt' },
  { status: '4', statusText: 'Teljesítve' },
  { status: '5', statusText: 'Visszavonva' },
] as const;

export const STATUS_CHANGE_COMMENTS = [
  '',
  'A csomagot átadtuk a futárnak.',
  'Köszönjük a vásárlást!',
  'A vásárló kérésére töröltük.',
] as const;

export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;

/** `Éva` → `eva`, for e-mail addresses. */
export function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}
