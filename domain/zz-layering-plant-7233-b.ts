import * as m0 from './zz-layering-plant-7233-a';
export const used = [m0];
