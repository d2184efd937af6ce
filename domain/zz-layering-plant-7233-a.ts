import * as m0 from './zz-layering-plant-7233-b';
export const used = [m0];
