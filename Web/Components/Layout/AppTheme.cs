using MudBlazor;

namespace Web.Components.Layout;

/// <summary>
/// The product's one theme, light and dark, on the component library (MudBlazor). Its palette is also what the
/// hand-written parts of <c>app.css</c> (messages, Markdown) draw with: they read the library's CSS variables.
/// </summary>
public static class AppTheme
{
    private static readonly string[] Fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "DejaVu Sans", "sans-serif"];

    public static MudTheme Create()
    {
        var theme = new MudTheme
        {
            PaletteLight = new PaletteLight
            {
                Primary = "#2f5bd3",
                PrimaryContrastText = "#ffffff",
                Secondary = "#5b6470",
                Error = "#b3261e",
                Warning = "#8a6100",
                Background = "#ffffff",
                BackgroundGray = "#f4f5f7",
                Surface = "#ffffff",
                DrawerBackground = "#eef0f3",
                TextPrimary = "#1b1f24",
                TextSecondary = "#5b6470",
                LinesDefault = "#d6dae0",
                TableLines = "#d6dae0",
            },
            PaletteDark = new PaletteDark
            {
                Primary = "#7da2ff",
                PrimaryContrastText = "#0c1222",
                Secondary = "#a3abb5",
                Error = "#ff8a80",
                Warning = "#ffe08a",
                Background = "#15181c",
                BackgroundGray = "#1e2227",
                Surface = "#1e2227",
                DrawerBackground = "#1a1d21",
                TextPrimary = "#e6e8eb",
                TextSecondary = "#a3abb5",
                LinesDefault = "#353b43",
                TableLines = "#353b43",
            },
        };
        theme.Typography.Default.FontFamily = Fonts;
        theme.Typography.Button.FontFamily = Fonts;
        theme.Typography.Button.TextTransform = "none";
        return theme;
    }
}
