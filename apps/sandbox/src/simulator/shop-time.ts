// Shop-local time lives in contracts (recovery converts its watermark with the same functions).
export { shopApiDateTime, shopDateTime } from '@srhooks/contracts';
