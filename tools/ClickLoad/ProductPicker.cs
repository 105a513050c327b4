namespace ClickOrleans.ClickLoad;

/// <summary>Product ids, uniform or Zipf-distributed (a few hot products, a long tail), as real shops see them.</summary>
internal sealed class ProductPicker
{
    private readonly double[]? _cumulative;
    private readonly long _products;

    public ProductPicker(LoadOptions options)
    {
        _products = options.Products;
        if (options.Distribution == "zipf")
        {
            _cumulative = new double[options.Products];
            var total = 0.0;
            for (var rank = 0; rank < options.Products; rank++)
            {
                total += 1.0 / Math.Pow(rank + 1, options.ZipfExponent);
                _cumulative[rank] = total;
            }

            for (var rank = 0; rank < options.Products; rank++)
            {
                _cumulative[rank] /= total;
            }
        }
    }

    public long Next(Random random)
    {
        if (_cumulative is null)
        {
            return random.NextInt64(_products);
        }

        var index = Array.BinarySearch(_cumulative, random.NextDouble());
        return index >= 0 ? index : Math.Min(~index, _products - 1);
    }
}
