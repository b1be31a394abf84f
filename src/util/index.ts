export { editDistance, suggestionList, didYouMean } from './suggest.js';
