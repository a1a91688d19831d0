// One wording for every file srhooks reads (the sandbox's --shops, --apps, --data; the CLI's file options).
export { fileProblem } from '@srhooks/contracts/file-problem';
